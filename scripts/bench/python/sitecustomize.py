"""
The benchmark's adaptations for the original Python script (krikk/hoymiles-ms-a2-to-mqtt), nothing else.
The bench (scripts/bench/python-script.ts) copies this file into a temp folder it puts first on PYTHONPATH, so
Python imports it at start-up, before the script runs.

1. Network: every `requests` call to a host ending in hoymiles.com goes to BENCH_FAKE_CLOUD (the process's own
   fake cloud, http://127.0.0.1:<port>) instead, path and query kept; any other host that is not loopback is
   refused. Below requests, sockets connect only to loopback addresses and names are looked up only when they
   are loopback, so nothing leaves 127.0.0.1 / ::1 whatever the script calls.
2. paho-mqtt 1.x (Debian 12's): paho.mqtt.client.CallbackAPIVersion exists and Client(VERSION2, ...) works.
3. `import jsonpath_ng` gives jsonpath_rw (the project jsonpath-ng forked from) when jsonpath_ng is missing.

Every refusal is written to stderr as a line starting with "bench-guard: refused", which the bench reports.
"""
import ipaddress
import os
import socket
import sys
from urllib.parse import urlsplit, urlunsplit

CLOUD_HOST_SUFFIX = "hoymiles.com"


class Refused(ConnectionError):
    """A connection or look-up that would leave loopback."""


def refuse(what):
    sys.stderr.write("bench-guard: refused %s\n" % str(what)[:200])
    sys.stderr.flush()
    raise Refused("bench: refused %s (the bench reaches only 127.0.0.1)" % str(what)[:200])


def is_loopback(host):
    if not isinstance(host, str):
        return False
    h = host.strip("[]").split("%", 1)[0]
    if h.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(h).is_loopback
    except ValueError:
        return False


def is_cloud_host(host):
    h = (host or "").lower().rstrip(".")
    return h == CLOUD_HOST_SUFFIX or h.endswith("." + CLOUD_HOST_SUFFIX)


def route(url, cloud=None):
    """Where a request for `url` goes: the fake cloud for the Hoymiles hosts, loopback as it is, else refused."""
    cloud = os.environ.get("BENCH_FAKE_CLOUD", "") if cloud is None else cloud
    parts = urlsplit(url)
    host = parts.hostname
    if is_cloud_host(host):
        target = urlsplit(cloud)
        if target.scheme not in ("http", "https") or not is_loopback(target.hostname):
            refuse("%s (no loopback fake cloud in BENCH_FAKE_CLOUD)" % host)
        return urlunsplit((target.scheme, target.netloc, parts.path, parts.query, ""))
    if is_loopback(host):
        return url
    refuse(host or url)


# ---- 1. sockets and name look-ups: loopback only ---------------------------------------------------------

def _check_address(family, address):
    if family == getattr(socket, "AF_UNIX", None):
        return
    if family in (socket.AF_INET, socket.AF_INET6) and isinstance(address, tuple) and is_loopback(address[0]):
        return
    refuse("a connection to %r" % (address,))


_getaddrinfo = socket.getaddrinfo


def _guarded_getaddrinfo(host, *args, **kwargs):
    if host is not None and not is_loopback(host.decode() if isinstance(host, bytes) else host):
        refuse("a look-up of %r" % (host,))
    return _getaddrinfo(host, *args, **kwargs)


def _guard_lookup(name):
    original = getattr(socket, name)

    def guarded(host, *args, **kwargs):
        if not is_loopback(host):
            refuse("a look-up of %r" % (host,))
        return original(host, *args, **kwargs)

    setattr(socket, name, guarded)


def _guard_method(name):
    original = getattr(socket.socket, name)

    def guarded(self, *args):
        _check_address(self.family, args[-1])
        return original(self, *args)

    setattr(socket.socket, name, guarded)


socket.getaddrinfo = _guarded_getaddrinfo
for _name in ("gethostbyname", "gethostbyname_ex", "gethostbyaddr"):
    _guard_lookup(_name)
for _name in ("connect", "connect_ex", "sendto"):
    _guard_method(_name)


# ---- 1. requests: the Hoymiles hosts to the fake cloud ---------------------------------------------------

def _adapt_requests():
    try:
        from requests.adapters import HTTPAdapter
    except ImportError:
        return
    send = HTTPAdapter.send

    def routed_send(self, request, *args, **kwargs):
        request.url = route(request.url)
        return send(self, request, *args, **kwargs)

    HTTPAdapter.send = routed_send


# ---- 2. paho-mqtt 1.x: the version-2 constructor ---------------------------------------------------------

def _adapt_paho():
    try:
        import paho.mqtt.client as client
    except ImportError:
        return
    if hasattr(client, "CallbackAPIVersion"):
        return
    import enum

    class CallbackAPIVersion(enum.Enum):
        VERSION1 = 1
        VERSION2 = 2

    class Client(client.Client):
        def __init__(self, *args, **kwargs):
            kwargs.pop("callback_api_version", None)
            if args and isinstance(args[0], CallbackAPIVersion):
                args = args[1:]
            super().__init__(*args, **kwargs)

    client.CallbackAPIVersion = CallbackAPIVersion
    client.Client = Client


# ---- 3. jsonpath_ng from jsonpath_rw ---------------------------------------------------------------------

def _adapt_jsonpath():
    try:
        import jsonpath_ng  # noqa: F401
    except ImportError:
        try:
            import jsonpath_rw
        except ImportError:
            return
        sys.modules["jsonpath_ng"] = jsonpath_rw


_adapt_requests()
_adapt_paho()
_adapt_jsonpath()
