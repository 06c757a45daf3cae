/**
 * Argon2id in a short-lived child process: the app's own executable started with --argon2-child. The 32 MiB
 * the hash needs, the compiled WebAssembly and the compiler's code pages all go away with that process, so a
 * login leaves nothing resident behind in an app that runs for months (in-process, V8 keeps the WebAssembly
 * memory until a full GC and the compiled module for good). The password goes over a pipe, never argv or env.
 * When the child cannot run, the hash is computed in-process as before.
 */
import { argon2Challenge } from './auth.js';

export const ARGON2_CHILD_FLAG = '--argon2-child';
const CHILD_TIMEOUT_MS = 60_000;
const HEX_32 = /^[0-9a-f]{64}$/;

export type Argon2Hasher = (password: string, saltHex: string) => Promise<string>;

/** How to start this app again: the executable alone (single executable) or node with the bundle. */
async function childCommand(bundle: string): Promise<string[]> {
  const { isSea } = await import('../platform/sea.js');
  return isSea() ? [ARGON2_CHILD_FLAG] : [bundle, ARGON2_CHILD_FLAG];
}

/** A hasher that runs Argon2id in a child of `bundle` (the running app's CommonJS bundle). */
export function argon2InChildProcess(bundle: string): Argon2Hasher {
  return async (password, saltHex) => {
    try {
      return await runChild(await import('node:child_process'), await childCommand(bundle), password, saltHex);
    } catch {
      return argon2Challenge(password, saltHex);
    }
  };
}

function runChild(cp: typeof import('node:child_process'), args: string[], password: string, saltHex: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = cp.spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'ignore'], windowsHide: true, env: { ...process.env, DEBUG: '' } });
    let out = '';
    const timer = setTimeout(() => child.kill(), CHILD_TIMEOUT_MS);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      if (out.length < 200) out += d;
    });
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      const hex = out.trim();
      if (code === 0 && HEX_32.test(hex)) resolve(hex);
      else reject(new Error(`the Argon2 helper process ended with ${code}`));
    });
    child.stdin!.on('error', () => undefined);
    child.stdin!.end(JSON.stringify({ password, salt: saltHex }));
  });
}

/** The child's side: password and salt as JSON on stdin, the hash as hex on stdout. */
export async function runArgon2Child(): Promise<number> {
  let input = '';
  process.stdin.setEncoding('utf8');
  for await (const chunk of process.stdin) {
    input += chunk as string;
    if (input.length > 100_000) return 2;
  }
  let req: { password?: unknown; salt?: unknown };
  try {
    req = JSON.parse(input);
  } catch {
    return 2;
  }
  if (typeof req.password !== 'string' || typeof req.salt !== 'string' || !/^[0-9a-f]+$/i.test(req.salt)) return 2;
  process.stdout.write((await argon2Challenge(req.password, req.salt)) + '\n');
  return 0;
}
