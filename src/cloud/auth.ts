/**
 * Login (reference §3): region_c → pre-insp → Argon2id challenge → login, on the login host, with the app
 * User-Agent. The legacy md5+sha256 `login_c` is only tried where pre-insp hands out no salt.
 */
import { createHash } from 'node:crypto';
import { CloudError } from './errors.js';
import type { HostRouter } from './hosts.js';
import { isObject, num, str } from './parse.js';
import type { Envelope, Transport } from './transport.js';

/** ch = Argon2id(password, hex-decoded salt, t=3, m=32 MiB, p=1, 32 bytes) as lowercase hex. */
export async function argon2Challenge(password: string, saltHex: string): Promise<string> {
  // Loaded on demand: a login happens once in hours, and the WASM module is not needed in between. Only the
  // Argon2 build (30 KB, with its BLAKE2b): the library's index carries every algorithm's WASM (270 KB).
  const mod = await import('hash-wasm/dist/argon2.umd.min.js');
  const argon2id = mod.argon2id ?? mod.default!.argon2id;
  return argon2id({
    password,
    salt: Buffer.from(saltHex, 'hex'), // the bytes, not the hex text: that gives a different hash
    iterations: 3,
    memorySize: 32768,
    parallelism: 1,
    hashLength: 32,
    outputType: 'hex',
  });
}

/** Legacy encoding: md5 hex, a dot, base64 of the raw sha256 digest. */
export function legacyPasswordHash(password: string): string {
  const md5 = createHash('md5').update(password, 'utf8').digest('hex');
  const sha = createHash('sha256').update(password, 'utf8').digest('base64');
  return `${md5}.${sha}`;
}

/** Local midnight plus a few minutes: when the cloud's daily login counter starts again. */
export function nextLoginDay(now = new Date()): Date {
  const d = new Date(now);
  d.setHours(24, 5, 0, 0);
  return d;
}

/** Turn a non-zero login answer into the error a user can act on. */
export function loginError(env: Pick<Envelope, 'status' | 'message'>, now = new Date()): CloudError {
  const m = env.message ?? '';
  const apiStatus = env.status;
  const apiMessage = m.slice(0, 200) || undefined;
  if (/daily maximum|times limited|exceeds the daily/i.test(m)) {
    const retryAt = nextLoginDay(now);
    return new CloudError(
      'daily-limit',
      `Hoymiles refuses more logins today (daily login limit). The app tries again after ${retryAt.toLocaleString()}.`,
      { apiStatus, retryAt, apiMessage },
    );
  }
  if (/account and password|log ?in failed|password (is )?(wrong|incorrect)/i.test(m) || apiStatus === '7') {
    return new CloudError('wrong-password', 'Hoymiles rejected the e-mail or password. Check them in the settings.', { apiStatus, apiMessage });
  }
  if (/app version is low|can only (login|be used)|S-Miles Home/i.test(m)) {
    return new CloudError('app-rejected', `Hoymiles rejected this app's login ("${m}"). An update of hoymiles-tray is needed.`, { apiStatus, apiMessage });
  }
  if (/not exist|not found|no such user/i.test(m)) {
    return new CloudError('unknown-account', 'Hoymiles does not know this e-mail address. Check it in the settings.', { apiStatus, apiMessage });
  }
  if (/locked/i.test(m)) {
    return new CloudError('locked', 'The Hoymiles account is locked. Unlock it in the S-Miles Home app.', { apiStatus, apiMessage });
  }
  return new CloudError('api', `Hoymiles login failed: ${m || `status ${apiStatus}`}.`, { apiStatus, apiMessage });
}

export interface LoginOutcome {
  token: string;
  dc: number;
  method: 'argon2' | 'legacy-v3' | 'legacy-login_c';
}

export async function login(
  transport: Transport,
  hosts: HostRouter,
  email: string,
  password: string,
  argon2: (password: string, saltHex: string) => Promise<string> = argon2Challenge,
): Promise<LoginOutcome> {
  // 1. Region: which login host and data centre. A failure here is not fatal (defaults are right for EU).
  let dc = transport.dc;
  try {
    const region = await transport.post(hosts.url('/iam/pub/0/c/region_c'), { email });
    if (region.status === '0' && isObject(region.data)) {
      const regionDc = num(region.data.dc);
      if (regionDc === -1 || region.data.login_url === '') {
        throw new CloudError('unknown-account', 'Hoymiles does not know this e-mail address. Check it in the settings.');
      }
      hosts.setLoginHost(str(region.data.login_url));
      if (regionDc !== undefined) dc = regionDc;
    }
  } catch (e) {
    if (e instanceof CloudError && (e.kind === 'unknown-account' || e.kind === 'network' || e.kind === 'timeout')) throw e;
  }
  transport.dc = dc;

  // 2. Pre-inspection: a fresh single-use nonce and the salt for this attempt.
  const pre = await transport.post(hosts.url('/iam/pub/3/auth/pre-insp'), { u: email });
  if (pre.status !== '0' || !isObject(pre.data)) throw loginError(pre);
  const nonce = str(pre.data.n);
  const salt = typeof pre.data.a === 'string' && /^[0-9a-f]+$/i.test(pre.data.a) ? pre.data.a : undefined;
  if (!nonce) throw new CloudError('bad-response', 'Hoymiles sent no login challenge (pre-insp without a nonce).');

  // 3. Challenge and login.
  const ch = salt ? await argon2(password, salt) : legacyPasswordHash(password);
  const res = await transport.post(hosts.url('/iam/pub/3/auth/login'), { u: email, ch, n: nonce });
  const token = res.status === '0' && isObject(res.data) ? str(res.data.token) : undefined;
  if (token) return { token, dc, method: salt ? 'argon2' : 'legacy-v3' };
  const err = loginError(res);
  if (salt || err.kind === 'daily-limit' || err.kind === 'locked') throw err;

  // 4. No salt and the v3 login did not take the legacy hash: the old login_c is the last resort.
  const legacy = await transport.post(hosts.url('/iam/pub/0/c/login_c'), { user_name: email, password: legacyPasswordHash(password) });
  const legacyToken = legacy.status === '0' && isObject(legacy.data) ? str(legacy.data.token) : undefined;
  if (legacyToken) return { token: legacyToken, dc, method: 'legacy-login_c' };
  throw loginError(legacy);
}
