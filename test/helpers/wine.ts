/**
 * The Windows executable (release/hoymiles-tray-win-x64.exe, from `npm run package -- --target win-x64`) run for
 * real under Debian's Wine, in a fresh Windows 10 prefix in a temporary folder (one per test file; removed at the
 * end, nothing cached elsewhere). Debian packages: wine wine64.
 *
 * Node refuses Wine's default Windows 7 (exit code 216), hence `winecfg -v win10`. Paths handed to the app are
 * Windows paths: Wine maps the Linux root to drive Z:.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { AppProcess, Desktop } from './desktop.js';
import { describeNeeding, RELEASE_FILES, releaseFile, requiredBecause, requiredTargets } from './release.js';

export const WIN_EXE = releaseFile('win-x64');
export const WIN_EXE_NAME = RELEASE_FILES['win-x64'];
export const WINE_PACKAGES = 'wine wine64';

function onPath(cmd: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((d) => d && existsSync(join(d, cmd)));
}

/** Why the Wine tests cannot run here, or undefined when they can. */
export function wineUnavailable(): string | undefined {
  if (process.platform !== 'linux' || process.arch !== 'x64') return `Wine tests need Linux x64 (this is ${process.platform}-${process.arch})`;
  const tools = ['wine', 'wineboot', 'wineserver'].filter((t) => !onPath(t));
  if (tools.length) return `${tools.join(', ')} not on PATH (apt-get install ${WINE_PACKAGES})`;
  if (!existsSync(WIN_EXE)) return `${WIN_EXE} is missing (npm run package -- --target win-x64)`;
  return undefined;
}

/**
 * A describe block for tests of the Windows executable under Wine. Where Wine or the executable is missing it
 * shows one skipped test naming the reason (and prints it); when the run asked for the win-x64 executable
 * (HOYMILES_TRAY_REQUIRE_RELEASE or CI=true, see release.ts: .ci/run builds it and installs Wine) the same
 * absence is a failing test instead.
 */
export function describeWine(title: string, body: () => void): void {
  describeNeeding(title, wineUnavailable(), requiredTargets().has('win-x64'), body, `${requiredBecause('win-x64')}, under Wine (apt-get install ${WINE_PACKAGES})`);
}

/** A Linux path as Wine shows it to Windows programs (drive Z: is the Linux root). */
export function winPath(p: string): string {
  return `Z:${p.replace(/\//g, '\\')}`;
}

export interface WineResult {
  code: number | null;
  out: string;
  err: string;
}

export interface WinePrefix {
  /** The prefix folder (WINEPREFIX). */
  readonly dir: string;
  /** Environment for Wine processes in this prefix (no DISPLAY: add one for GUI tests). */
  readonly env: NodeJS.ProcessEnv;
  /** The Windows user name (Wine takes the Linux one). */
  readonly user: string;
  /** %LOCALAPPDATA% of the prefix's user, as a Linux path. */
  readonly localAppData: string;
  /** Seconds `wineboot -i` + `winecfg -v win10` took. */
  readonly bootSeconds: number;
  /** Runs a Windows program to its end (asynchronously: a fake cloud in this process must keep answering). */
  run(program: string, args: string[], env?: NodeJS.ProcessEnv, timeoutMs?: number): Promise<WineResult>;
  /** Starts a Windows program; the caller ends it. */
  start(program: string, args: string[], env?: NodeJS.ProcessEnv): FileOutputProcess;
  /**
   * Starts a Windows program on a private desktop (test/helpers/desktop.ts), stdout and stderr into a file;
   * the returned process reads that file for output() and waitForOutput().
   */
  startOnDesktop(desktop: Desktop, program: string, args: string[], env?: NodeJS.ProcessEnv): AppProcess;
  /** `reg query <key> /v <value>`: the value's data, or undefined when there is none. */
  regValue(key: string, value: string): Promise<string | undefined>;
  /** Linux pids of this prefix's processes whose command line contains `name`. */
  pids(name: string): number[];
  /** Ends every process of the prefix (wineserver -k) and removes the folder. */
  dispose(): Promise<void>;
}

/**
 * Runs a command to its end without blocking the event loop. Output goes through files, not pipes: under Wine
 * 8.0 a Node program (ours is a GUI-subsystem one) cannot open a Linux pipe or socket as its stdout/stderr
 * (`process.stdout` throws EBADF), while regular files work.
 */
function runAsync(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number, outDir: string): Promise<WineResult> {
  const p = startWithFiles(cmd, args, env, outDir);
  return new Promise((resolve) => {
    const timer = setTimeout(() => p.proc.kill('SIGKILL'), timeoutMs);
    p.proc.once('close', (code) => {
      clearTimeout(timer);
      const r = { code, out: p.stdout(), err: p.stderr() + (code === null ? `\n(killed after ${timeoutMs} ms)` : '') };
      p.cleanup();
      resolve(r);
    });
  });
}

export interface FileOutputProcess {
  proc: ChildProcess;
  /** What the process wrote so far. */
  stdout(): string;
  stderr(): string;
  cleanup(): void;
}

let outCount = 0;
function startWithFiles(cmd: string, args: string[], env: NodeJS.ProcessEnv, outDir: string): FileOutputProcess {
  const base = join(outDir, `out-${process.pid}-${++outCount}`);
  const [outFile, errFile] = [`${base}.stdout`, `${base}.stderr`];
  const fds = [openSync(outFile, 'w'), openSync(errFile, 'w')] as const;
  const proc = spawn(cmd, args, { env, stdio: ['ignore', fds[0], fds[1]] });
  for (const fd of fds) closeSync(fd);
  proc.on('error', (e) => appendFileSync(errFile, `spawn error: ${e.message}\n`));
  const read = (f: string) => {
    try {
      return readFileSync(f, 'utf8');
    } catch {
      return '';
    }
  };
  return {
    proc,
    stdout: () => read(outFile),
    stderr: () => read(errFile),
    cleanup: () => {
      rmSync(outFile, { force: true });
      rmSync(errFile, { force: true });
    },
  };
}

/** Environment for Wine without the caller's desktop, keychain or app settings leaking in. */
function baseEnv(prefix: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const k of ['PATH', 'HOME', 'USER', 'LOGNAME', 'LANG', 'TMPDIR']) if (process.env[k] !== undefined) env[k] = process.env[k];
  return {
    ...env,
    WINEPREFIX: prefix,
    WINEDEBUG: '-all',
    // No Mono or Gecko install prompts: the app needs neither .NET nor the HTML engine.
    WINEDLLOVERRIDES: 'mscoree,mshtml=',
  };
}

/** Creates a fresh Windows 10 prefix in a temporary folder. */
export async function createPrefix(): Promise<WinePrefix> {
  const dir = mkdtempSync(join(tmpdir(), 'wine-prefix-'));
  const env = baseEnv(dir);
  const outDir = join(dir, 'test-output');
  mkdirSync(outDir);
  const t0 = performance.now();
  const boot = await runAsync('wineboot', ['-i'], env, 180_000, outDir);
  const ver = boot.code === 0 ? await runAsync('winecfg', ['-v', 'win10'], env, 60_000, outDir) : boot;
  // Let the prefix's wineserver write the registry and end, so the next start sees Windows 10.
  await runAsync('wineserver', ['-w'], env, 60_000, outDir);
  const bootSeconds = (performance.now() - t0) / 1000;
  if (boot.code !== 0 || ver.code !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`Could not create a Wine prefix (wineboot ${boot.code}, winecfg ${ver.code}): ${(boot.err + ver.err).slice(-2000)}`);
  }
  if (!/"ProductName"="Microsoft Windows 10"/.test(readFileSync(join(dir, 'system.reg'), 'latin1'))) throw new Error('winecfg -v win10 did not take');
  const users = join(dir, 'drive_c', 'users');
  const user = readdirSync(users).find((u) => u !== 'Public');
  if (!user) throw new Error(`no user profile in ${users}`);
  const localAppData = join(users, user, 'AppData', 'Local');

  const prefix: WinePrefix = {
    dir,
    env,
    user,
    localAppData,
    bootSeconds,
    run: (program, args, extra = {}, timeoutMs = 60_000) => runAsync('wine', [program, ...args], { ...env, ...extra }, timeoutMs, outDir),
    start: (program, args, extra = {}) => startWithFiles('wine', [program, ...args], { ...env, ...extra }, outDir),
    startOnDesktop(desktop, program, args, extra = {}) {
      const log = join(outDir, `desktop-${++outCount}.log`);
      writeFileSync(log, '');
      // exec: the pid is Wine's, and so is the exit code.
      const app = desktop.run('sh', ['-c', 'exec "$@" >>"$0" 2>&1', log, 'wine', program, ...args], {
        env: { ...desktop.env, ...env, ...extra },
        name: 'wine-app',
      });
      const output = () => {
        try {
          return readFileSync(log, 'utf8');
        } catch {
          return '';
        }
      };
      return {
        ...app,
        proc: app.proc,
        pid: app.pid,
        exited: app.exited,
        output,
        async waitForOutput(pattern, timeoutMs = 10_000) {
          const end = Date.now() + timeoutMs;
          for (;;) {
            const out = output();
            if (typeof pattern === 'string' ? out.includes(pattern) : pattern.test(out)) return out;
            if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for output ${String(pattern)}; output so far:\n${out}`);
            await new Promise((r) => setTimeout(r, 100));
          }
        },
      };
    },
    async regValue(key, value) {
      const r = await runAsync('wine', ['reg', 'query', key, '/v', value], env, 30_000, outDir);
      if (r.code !== 0) return undefined;
      const line = r.out.split(/\r?\n/).find((l) => l.trim().startsWith(`${value} `));
      return line?.replace(/^\s*\S+\s+REG_\w+\s+/, '').trimEnd();
    },
    pids(name) {
      const out: number[] = [];
      for (const p of readdirSync('/proc')) {
        if (!/^\d+$/.test(p)) continue;
        try {
          const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
          if (!cmd.includes(name)) continue;
          const penv = readFileSync(`/proc/${p}/environ`, 'utf8').split('\0');
          if (penv.includes(`WINEPREFIX=${dir}`)) out.push(Number(p));
        } catch {
          /* gone, or not ours to read */
        }
      }
      return out;
    },
    async dispose() {
      spawnSync('wineserver', ['-k'], { env, timeout: 20_000 });
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return prefix;
}
