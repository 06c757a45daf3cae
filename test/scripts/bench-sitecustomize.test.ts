/**
 * scripts/bench/python/sitecustomize.py, the adaptations under which the bench runs the original Python script:
 * nothing may leave loopback (the URL rewrite to the fake cloud, and sockets and look-ups below it), paho-mqtt
 * 1.x takes the version-2 constructor, jsonpath_rw stands in for jsonpath_ng. Run in Debian's python3 (.ci/run
 * installs it). `python3 -S` keeps the machine's site packages out, so stub packages play requests, paho and
 * jsonpath_rw and the tests need nothing but the standard library. The addresses refused are documentation ones
 * (TEST-NET, 2001:db8::, .invalid), so even a broken guard would reach nobody.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PYTHON, SITECUSTOMIZE } from '../../scripts/bench/python-script.js';

let stubs: string;
let listener: Server;
let port: number;
let accepted = 0;

const STUBS: Record<string, string> = {
  'requests/__init__.py': '',
  // HTTPAdapter.send answers the URL it was given: what the real one would connect to.
  'requests/adapters.py': 'class HTTPAdapter:\n    def send(self, request, **kwargs):\n        return request.url\n',
  'paho/__init__.py': '',
  'paho/mqtt/__init__.py': '',
  'paho/mqtt/client.py': 'class Client:\n    def __init__(self, client_id="", clean_session=None, userdata=None):\n        if not isinstance(client_id, str):\n            raise TypeError("client_id")\n        self.client_id = client_id\n',
  'jsonpath_rw/__init__.py': 'def parse(s):\n    return ("rw", s)\n',
};

beforeAll(async () => {
  stubs = mkdtempSync(join(tmpdir(), 'bench-site-stubs-'));
  for (const [path, text] of Object.entries(STUBS)) {
    mkdirSync(dirname(join(stubs, path)), { recursive: true });
    writeFileSync(join(stubs, path), text);
  }
  listener = createServer((s) => (accepted++, s.destroy()));
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  port = (listener.address() as { port: number }).port;
});
afterAll(async () => {
  rmSync(stubs, { recursive: true, force: true });
  await new Promise((r) => listener.close(r));
});

/** Runs `code` after importing the sitecustomize (with the stubs first on the path); its last line is JSON. */
function py(code: string, env: Record<string, string> = {}): Promise<any> {
  const prelude = [
    'import json, sys',
    `sys.path[:0] = [${JSON.stringify(dirname(SITECUSTOMIZE))}, ${JSON.stringify(stubs)}]`,
    'import sitecustomize as site',
    'def refused(fn):',
    '    try:',
    '        fn()',
    '    except site.Refused:',
    '        return True',
    '    return False',
  ].join('\n');
  return new Promise((resolve, reject) =>
    execFile(PYTHON, ['-S', '-c', `${prelude}\n${code}`], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 20_000 }, (err, out, stderr) =>
      err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(JSON.parse(out.trim().split('\n').pop()!)),
    ),
  );
}

describe('the URL rewrite', () => {
  const cloud = 'http://127.0.0.1:4321';

  test('sends every Hoymiles host to the fake cloud, path and query kept', async () => {
    const urls = ['https://euapi.hoymiles.com/iam/pub/0/c/region_c', 'https://neapi.hoymiles.com/pvmc/api/0/station/get_sd_uri_c', 'https://eud0.hoymiles.com/pvmc/api/0/station_data/real_g_c?x=1', 'https://HOYMILES.COM./a'];
    const out = await py(`print(json.dumps([site.route(u, ${JSON.stringify(cloud)}) for u in ${JSON.stringify(urls)}]))`);
    expect(out).toEqual([`${cloud}/iam/pub/0/c/region_c`, `${cloud}/pvmc/api/0/station/get_sd_uri_c`, `${cloud}/pvmc/api/0/station_data/real_g_c?x=1`, `${cloud}/a`]);
  });

  test('keeps loopback URLs (the burst address the fake cloud hands out) as they are', async () => {
    const urls = ['http://127.0.0.1:5/rds/api/0/burst/get?k=ab&t=1', 'http://[::1]:5/x', 'http://localhost:5/x'];
    expect(await py(`print(json.dumps([site.route(u, ${JSON.stringify(cloud)}) for u in ${JSON.stringify(urls)}]))`)).toEqual(urls);
  });

  test('refuses every other host, look-alikes included, and the Hoymiles hosts when the fake cloud is not loopback', async () => {
    const cases: [string, string][] = [
      ['https://example.com/', cloud],
      ['https://evilhoymiles.com/', cloud],
      ['https://euapi.hoymiles.com.example.net/', cloud],
      ['http://10.0.0.1/', cloud],
      ['http://[::ffff:8.8.8.8]/', cloud],
      ['http://0.0.0.0/', cloud],
      ['https://euapi.hoymiles.com/', 'http://example.com'],
      ['https://euapi.hoymiles.com/', ''],
      ['https://euapi.hoymiles.com/', 'ftp://127.0.0.1'],
    ];
    const out = await py(`print(json.dumps([refused(lambda: site.route(u, c)) for u, c in ${JSON.stringify(cases)}]))`);
    expect(out).toEqual(cases.map(() => true));
  });

  test('is what requests sends: HTTPAdapter.send gets the fake cloud, and raises for other hosts', async () => {
    const code = [
      'from requests.adapters import HTTPAdapter',
      'class Req:',
      '    def __init__(self, url): self.url = url',
      'a = HTTPAdapter()',
      'print(json.dumps([a.send(Req("https://neapi.hoymiles.com/pvmc/api/0/inverter/find_c")), refused(lambda: a.send(Req("https://example.com/")))]))',
    ].join('\n');
    expect(await py(code, { BENCH_FAKE_CLOUD: cloud })).toEqual([`${cloud}/pvmc/api/0/inverter/find_c`, true]);
  });
});

describe('below requests: sockets and look-ups', () => {
  test('no connection, datagram or name look-up leaves loopback', async () => {
    const code = [
      'import socket',
      'def udp():',
      '    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)',
      '    s.sendto(b"x", ("198.51.100.7", 53))',
      'def raw(addr, fam=socket.AF_INET):',
      '    s = socket.socket(fam, socket.SOCK_STREAM)',
      '    return lambda: s.connect(addr)',
      'print(json.dumps([',
      '  refused(lambda: socket.create_connection(("192.0.2.1", 80), timeout=1)),',
      '  refused(lambda: socket.create_connection(("example.invalid", 80), timeout=1)),',
      '  refused(raw(("198.51.100.7", 53))),',
      '  refused(lambda: socket.socket().connect_ex(("198.51.100.7", 53))),',
      '  refused(raw(("2001:db8::1", 53, 0, 0), socket.AF_INET6)),',
      '  refused(udp),',
      '  refused(lambda: socket.getaddrinfo("example.invalid", 80)),',
      '  refused(lambda: socket.getaddrinfo(b"example.invalid", 80)),',
      '  refused(lambda: socket.gethostbyname("example.invalid")),',
      '  refused(lambda: socket.gethostbyname_ex("example.invalid")),',
      '  refused(lambda: socket.gethostbyaddr("203.0.113.9")),',
      ']))',
    ].join('\n');
    expect(await py(code)).toEqual(Array(11).fill(true));
  });

  test('loopback still connects', async () => {
    const before = accepted;
    const out = await py(`import socket\nsocket.create_connection(("127.0.0.1", ${port}), timeout=5).close()\nprint(json.dumps(socket.getaddrinfo("localhost", 1)[0][4][1]))`);
    expect(out).toBe(1);
    await new Promise((r) => setTimeout(r, 200));
    expect(accepted).toBe(before + 1);
  });

  test('Python loads it by itself from PYTHONPATH (as the bench starts the script)', async () => {
    const site = mkdtempSync(join(tmpdir(), 'bench-site-'));
    try {
      copyFileSync(SITECUSTOMIZE, join(site, 'sitecustomize.py'));
      const code = 'import socket\ntry:\n    socket.getaddrinfo("example.invalid", 80)\n    print("looked up")\nexcept ConnectionError as e:\n    print(e)';
      const out = await new Promise<string>((resolve, reject) =>
        execFile(PYTHON, ['-c', code], { env: { PATH: process.env.PATH ?? '', PYTHONPATH: site }, timeout: 20_000 }, (err, stdout) => (err ? reject(err) : resolve(stdout))),
      );
      expect(out).toMatch(/^bench: refused a look-up of 'example.invalid'/);
    } finally {
      rmSync(site, { recursive: true, force: true });
    }
  });
});

describe('the library adaptations', () => {
  test('paho-mqtt 1.x takes Client(CallbackAPIVersion.VERSION2, ...)', async () => {
    const code = 'import paho.mqtt.client as m\nc = m.Client(m.CallbackAPIVersion.VERSION2, "bench")\nprint(json.dumps([c.client_id, m.CallbackAPIVersion.VERSION2.value]))';
    expect(await py(code)).toEqual(['bench', 2]);
  });

  test('import jsonpath_ng gives jsonpath_rw when jsonpath_ng is missing', async () => {
    expect(await py('from jsonpath_ng import parse\nprint(json.dumps(parse("$.data.soc")))')).toEqual(['rw', '$.data.soc']);
  });
});
