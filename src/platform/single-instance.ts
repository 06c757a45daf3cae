/**
 * One tray app per user. The first instance listens on a per-user local endpoint; a second start connects,
 * sends one line `{"action":"open-settings"}`, gets `{"ok":true}` back and exits, and the first instance opens
 * its settings page.
 *
 *   POSIX    a Unix domain socket in a private folder (0700, owned by us): $XDG_RUNTIME_DIR/hoymiles-tray on
 *            Linux, else the cache folder (paths.ts). Other users cannot even reach the socket.
 *   Windows  the named pipe \\.\pipe\hoymiles-tray-<sha256 of the user name>. A pipe's default security gives
 *            write access to its creator (and SYSTEM/administrators) only, so other users cannot send to it.
 *
 * A socket file left behind by a crash answers connect() with ECONNREFUSED: it is removed and we listen again.
 * The server only reacts to one well-formed JSON line with a known action; anything else is dropped.
 */
import { createHash } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { runtimeDir } from './paths.js';

export type SingleInstanceAction = 'open-settings';
export interface SingleInstanceMessage {
  action: SingleInstanceAction;
}
export type SingleInstance = { primary: true; release(): Promise<void> } | { primary: false };

export interface SingleInstanceOptions {
  /** Endpoint name; default hoymiles-tray. */
  name?: string;
  /** Called in the first instance when another start asks it to show itself. */
  onSecondInstance: (msg: SingleInstanceMessage) => void;
  /** Folder for the socket (POSIX; tests). On Windows it only changes the pipe name. */
  dir?: string;
}

const ACTIONS: readonly SingleInstanceAction[] = ['open-settings'];
const MAX_MESSAGE = 1024;
const CLIENT_TIMEOUT_MS = 3000;
const SERVER_IDLE_MS = 5000;
/** sun_path holds 108 bytes on Linux and 104 on macOS, terminating NUL included. */
const MAX_SOCKET_PATH = 100;

function userName(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USERNAME ?? process.env.USER ?? String(process.getuid?.() ?? '');
  }
}

/** A folder only we can use: created 0700, must be a real directory (no symlink) that we own. */
function privateDir(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(dir);
  if (!st.isDirectory()) throw new Error(`${dir} is not a folder`);
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) throw new Error(`${dir} belongs to another user`);
  if (st.mode & 0o077) chmodSync(dir, 0o700);
  return dir;
}

/** The endpoint for this user: a socket path (POSIX) or a pipe name (Windows). */
export function instanceEndpoint(opts: { name?: string; dir?: string; platform?: NodeJS.Platform } = {}): string {
  const name = opts.name ?? 'hoymiles-tray';
  if ((opts.platform ?? process.platform) === 'win32') {
    const hash = createHash('sha256').update(`${userName()}\0${opts.dir ?? ''}`).digest('hex').slice(0, 32);
    return `\\\\.\\pipe\\${name}-${hash}`;
  }
  const path = join(privateDir(opts.dir ?? runtimeDir()), `${name}.sock`);
  if (Buffer.byteLength(path) <= MAX_SOCKET_PATH) return path;
  // A very long home folder: fall back to a short private folder of our own in /tmp.
  return join(privateDir(join(tmpdir(), `hoymiles-tray-${process.getuid?.() ?? userName()}`)), `${name}.sock`);
}

function parseMessage(line: string): SingleInstanceMessage | undefined {
  try {
    const v: unknown = JSON.parse(line);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
    const action = (v as { action?: unknown }).action;
    return ACTIONS.includes(action as SingleInstanceAction) ? { action: action as SingleInstanceAction } : undefined;
  } catch {
    return undefined;
  }
}

function listen(endpoint: string, onMessage: (msg: SingleInstanceMessage) => void): Promise<{ server: Server; sockets: Set<Socket> } | NodeJS.ErrnoException> {
  const sockets = new Set<Socket>();
  const server = createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => sock.destroy());
    sock.setTimeout(SERVER_IDLE_MS, () => sock.destroy());
    sock.setEncoding('utf8');
    let buf = '';
    let done = false;
    sock.on('data', (chunk: string) => {
      if (done) return;
      buf += chunk;
      const nl = buf.indexOf('\n');
      if (nl < 0) {
        if (buf.length > MAX_MESSAGE) sock.destroy();
        return;
      }
      done = true;
      const msg = nl <= MAX_MESSAGE ? parseMessage(buf.slice(0, nl)) : undefined;
      if (!msg) return void sock.destroy();
      sock.end('{"ok":true}\n');
      try {
        onMessage(msg);
      } catch {
        /* the callback's problem; the server keeps serving */
      }
    });
  });
  return new Promise((resolve) => {
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err));
    server.listen(endpoint, () => {
      server.removeAllListeners('error');
      server.on('error', () => undefined);
      // Never the reason the process stays alive: the tray (or whatever runs) decides that.
      server.unref();
      resolve({ server, sockets });
    });
  });
}

type NotifyResult = 'delivered' | 'stale' | 'gone';

/** Tells the running instance to show itself. */
function notify(endpoint: string, msg: SingleInstanceMessage): Promise<NotifyResult> {
  return new Promise((resolve, reject) => {
    let connected = false;
    const sock = createConnection(endpoint);
    const finish = (r: NotifyResult | Error) => {
      clearTimeout(timer);
      sock.destroy();
      if (r instanceof Error) reject(r);
      else resolve(r);
    };
    // Somebody holds the endpoint but does not answer in time: still somebody, so we are not first.
    const timer = setTimeout(() => finish('delivered'), CLIENT_TIMEOUT_MS);
    sock.setEncoding('utf8');
    sock.on('connect', () => {
      connected = true;
      sock.write(`${JSON.stringify(msg)}\n`);
    });
    sock.on('data', (d: string) => d.includes('\n') && finish('delivered'));
    sock.on('end', () => finish('delivered'));
    sock.on('error', (err: NodeJS.ErrnoException) => {
      if (connected) return finish('delivered');
      if (err.code === 'ECONNREFUSED') return finish('stale');
      if (err.code === 'ENOENT' || err.code === 'ECONNRESET') return finish('gone');
      finish(err);
    });
  });
}

/** The demo's instance (`--demo --settings` reaches it). */
export const DEMO_INSTANCE = 'hoymiles-tray-demo';

/** The instance name for a config folder: the default install is "hoymiles-tray"; another folder is another instance. */
export function instanceNameFor(configDir: string, custom: boolean): string {
  return custom ? `hoymiles-tray-${createHash('sha256').update(configDir).digest('hex').slice(0, 12)}` : 'hoymiles-tray';
}

/**
 * For `hoymiles-tray --settings`: asks a running instance to open its settings page, never becoming one.
 * Resolves true when one took the message, false when none is running.
 */
export async function askRunningInstance(opts: { name?: string; dir?: string } = {}): Promise<boolean> {
  const endpoint = instanceEndpoint({ name: opts.name, dir: opts.dir });
  try {
    return (await notify(endpoint, { action: 'open-settings' })) === 'delivered';
  } catch {
    return false;
  }
}

export async function acquireSingleInstance(opts: SingleInstanceOptions): Promise<SingleInstance> {
  const endpoint = instanceEndpoint({ name: opts.name, dir: opts.dir });
  const windows = endpoint.startsWith('\\\\.\\pipe\\');
  for (let attempt = 0; attempt < 5; attempt++) {
    const r = await listen(endpoint, opts.onSecondInstance);
    if (!(r instanceof Error)) {
      const { server, sockets } = r;
      let released: Promise<void> | undefined;
      return {
        primary: true,
        release: () =>
          (released ??= new Promise<void>((resolve) => {
            // Closing a listening Unix socket also removes its file.
            server.close(() => resolve());
            for (const s of sockets) s.destroy();
          })),
      };
    }
    if (r.code !== 'EADDRINUSE') throw r;
    const outcome = await notify(endpoint, { action: 'open-settings' });
    if (outcome === 'delivered') return { primary: false };
    if (outcome === 'stale' && !windows) {
      // Left behind by a crash. Remove only a socket, never some other file that happens to have the name.
      try {
        if (!lstatSync(endpoint).isSocket()) throw new Error(`${endpoint} exists and is not a socket`);
        unlinkSync(endpoint);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    }
    // 'gone' (the other instance just quit) or a removed stale socket: try to listen again.
  }
  throw new Error(`Could not take or reach ${endpoint}`);
}
