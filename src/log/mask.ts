/**
 * Making outside values fit for a log line or an error message: `clip` bounds a value, `maskUrl` hides a URL's
 * password and query values. Pure. Every message that quotes a value from outside (a payload, a topic, an
 * environment variable, a URL) goes through these, so junk input cannot flood a log and a secret inside a URL
 * cannot reach one.
 */

/** Longest outside value quoted in a message. */
export const MAX_VALUE_CHARS = 80;

/** `value` cut to `max` characters with an ellipsis; control characters shown as escapes. */
export function clip(value: string, max = MAX_VALUE_CHARS): string {
  const cut = value.length > max ? `${value.slice(0, Math.max(1, max - 1))}…` : value;
  // Line breaks and other control characters would let a value fake extra log lines.
  return cut.replace(/[\u0000-\u001f\u007f]/g, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : c === '\t' ? '\\t' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

/**
 * A URL (or something meant to be one) with its password and every query value replaced by ***, and bounded:
 * `mqtt://user:secret@host:1883/?k=abc` → `mqtt://user:***@host:1883/?k=***`. Works on strings that do not
 * parse as URLs too (`u:secret@host`, `ftp//u:secret@x`), since those are exactly the ones error messages quote.
 */
export function maskUrl(url: string, max = 200): string {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)?([^/?#]*)([^?#]*)(\?[^#]*)?(#.*)?$/s.exec(url);
  let out: string;
  if (!m) out = url;
  else {
    const [, scheme = '', authority = '', path = '', query = '', fragment = ''] = m;
    const at = authority.lastIndexOf('@');
    let auth = authority;
    if (at >= 0) {
      const userinfo = authority.slice(0, at);
      const colon = userinfo.indexOf(':');
      auth = `${colon >= 0 ? `${userinfo.slice(0, colon)}:***` : userinfo}@${authority.slice(at + 1)}`;
    }
    const q = query.replace(/([?&][^=&]*)=[^&]*/g, '$1=***');
    // user:secret@ hidden further along (a scheme without //, or a second URL in the path).
    out = `${scheme}${auth}${path.replace(/([^\s:/@]*):[^\s:/@]+@/g, '$1:***@')}${q}${fragment}`;
  }
  return clip(out, max);
}

/** A URL without its password (the user name stays), for showing it: `mqtt://u:pw@h` → `mqtt://u@h`. */
export function urlWithoutPassword(url: string): string {
  try {
    const u = new URL(url);
    if (!u.password) return url;
    u.password = '';
    return u.toString().replace(/\/$/, url.endsWith('/') ? '/' : '');
  } catch {
    return url;
  }
}

/** The password inside a URL, if it has one (decoded). */
export function urlPassword(url: string): string | undefined {
  try {
    const p = new URL(url).password;
    return p ? decodeURIComponent(p) : undefined;
  } catch {
    return undefined;
  }
}
