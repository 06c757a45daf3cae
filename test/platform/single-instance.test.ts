import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { acquireSingleInstance, instanceEndpoint, type SingleInstanceMessage } from '../../src/platform/single-instance.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
let dir: string;
const releases: Array<() => Promise<void>> = [];
const children: ChildProcess[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'single-'));
});
afterEach(async () => {
  for (const r of releases.splice(0)) await r();
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

async function primary(onSecondInstance: (m: SingleInstanceMessage) => void = () => {}) {
  const r = await acquireSingleInstance({ dir, onSecondInstance });
  if (!r.primary) throw new Error('expected to be the first instance');
  releases.push(r.release);
  return r;
}

function until(check: () => boolean, ms = 5000): Promise<void> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const t = setInterval(() => {
      if (check()) (clearInterval(t), resolve());
      else if (Date.now() - start > ms) (clearInterval(t), reject(new Error('timed out')));
    }, 10);
  });
}

/** Sends raw bytes to the endpoint; resolves with whatever the server answered before closing. */
function raw(data: string): Promise<string> {
  return new Promise((resolve) => {
    const sock = createConnection(instanceEndpoint({ dir }));
    let got = '';
    sock.setEncoding('utf8');
    sock.on('connect', () => sock.write(data));
    sock.on('data', (d: string) => (got += d));
    sock.on('close', () => resolve(got));
    sock.on('error', () => undefined);
  });
}

describe('single instance, in one process', () => {
  it('the second acquisition is not primary, and the first is told to open its settings', async () => {
    const msgs: SingleInstanceMessage[] = [];
    await primary((m) => msgs.push(m));
    const second = await acquireSingleInstance({ dir, onSecondInstance: () => expect.fail('not the primary') });
    expect(second).toEqual({ primary: false });
    await until(() => msgs.length === 1);
    expect(msgs).toEqual([{ action: 'open-settings' }]);
  });

  it('keeps the socket in a private folder', async () => {
    chmodSync(dir, 0o755);
    await primary();
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'hoymiles-tray.sock')).isSocket()).toBe(true);
  });

  it('release() removes the socket and lets a new primary start', async () => {
    const first = await primary();
    await first.release();
    await first.release(); // twice is fine
    expect(existsSync(join(dir, 'hoymiles-tray.sock'))).toBe(false);
    const msgs: SingleInstanceMessage[] = [];
    await primary((m) => msgs.push(m));
    expect(await acquireSingleInstance({ dir, onSecondInstance: () => {} })).toEqual({ primary: false });
    await until(() => msgs.length === 1);
  });

  it('answers only one well-formed JSON line with a known action', async () => {
    const msgs: SingleInstanceMessage[] = [];
    await primary((m) => msgs.push(m));
    expect(await raw('hello\n')).toBe('');
    expect(await raw('{"action":"quit"}\n')).toBe('');
    expect(await raw('["open-settings"]\n')).toBe('');
    expect(await raw('{"action":"open-settings"')).toBe(''); // no newline: dropped after the idle timeout
    expect(await raw('x'.repeat(5000))).toBe('');
    expect(msgs).toEqual([]);
    expect(await raw('{"action":"open-settings","extra":1}\n')).toBe('{"ok":true}\n');
    expect(msgs).toEqual([{ action: 'open-settings' }]);
  }, 20_000);

  it('a throwing callback does not stop the server', async () => {
    let n = 0;
    await primary(() => {
      n++;
      throw new Error('boom');
    });
    expect(await acquireSingleInstance({ dir, onSecondInstance: () => {} })).toEqual({ primary: false });
    expect(await acquireSingleInstance({ dir, onSecondInstance: () => {} })).toEqual({ primary: false });
    expect(n).toBe(2);
  });

  it('refuses to delete a file that is not a socket', async () => {
    writeFileSync(join(dir, 'hoymiles-tray.sock'), 'not mine to delete');
    await expect(acquireSingleInstance({ dir, onSecondInstance: () => {} })).rejects.toThrow(/not a socket/);
    expect(readFileSync(join(dir, 'hoymiles-tray.sock'), 'utf8')).toBe('not mine to delete');
  });
});

describe('single instance, across processes', () => {
  let bundle: string;
  let script: string;
  let work: string;
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'single-bundle-'));
    bundle = join(work, 'single-instance.cjs');
    await build({ entryPoints: [join(root, 'src/platform/single-instance.ts')], outfile: bundle, bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'warning' });
    script = join(work, 'child.cjs');
    writeFileSync(
      script,
      `const { acquireSingleInstance } = require(${JSON.stringify(bundle)});
const keep = setInterval(() => {}, 1000);
setTimeout(() => process.exit(3), 20000);
acquireSingleInstance({ dir: process.argv[2], onSecondInstance: async (m) => {
  console.log('MSG ' + JSON.stringify(m));
  await inst.release();
  clearInterval(keep);
  process.exit(0);
} }).then((r) => {
  inst = r;
  console.log('PRIMARY ' + r.primary);
  if (!r.primary) process.exit(0);
});
let inst;
`,
    );
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  function child(): { proc: ChildProcess; out: () => string; exited: Promise<number | null> } {
    const proc = spawn(process.execPath, [script, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(proc);
    let out = '';
    proc.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
    return { proc, out: () => out, exited };
  }

  it('a second process is not primary and wakes the first', async () => {
    const msgs: SingleInstanceMessage[] = [];
    await primary((m) => msgs.push(m));
    const c = child();
    expect(await c.exited).toBe(0);
    expect(c.out()).toBe('PRIMARY false\n');
    await until(() => msgs.length === 1);
    expect(msgs).toEqual([{ action: 'open-settings' }]);
  });

  it('this process is told off by a first instance in another process', async () => {
    const c = child();
    await until(() => c.out().includes('PRIMARY true'));
    expect(await acquireSingleInstance({ dir, onSecondInstance: () => {} })).toEqual({ primary: false });
    expect(await c.exited).toBe(0);
    expect(c.out()).toBe('PRIMARY true\nMSG {"action":"open-settings"}\n');
  });

  it('recovers the stale socket of a crashed first instance', async () => {
    const c = child();
    await until(() => c.out().includes('PRIMARY true'));
    c.proc.kill('SIGKILL');
    await c.exited;
    expect(statSync(join(dir, 'hoymiles-tray.sock')).isSocket()).toBe(true); // left behind
    const msgs: SingleInstanceMessage[] = [];
    await primary((m) => msgs.push(m));
    expect(await acquireSingleInstance({ dir, onSecondInstance: () => {} })).toEqual({ primary: false });
    await until(() => msgs.length === 1);
  });
});
