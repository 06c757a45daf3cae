/**
 * "Start at login", written by hand (about a page per OS instead of auto-launch and its old dependencies).
 * The state is always read back from the OS, never from our config, so a user who removes the entry by hand
 * (or turns it off in Task Manager) sees the checkbox follow.
 *
 *   Windows  HKCU\Software\Microsoft\Windows\CurrentVersion\Run, value HoymilesTray (through reg.exe, no shell)
 *   macOS    ~/Library/LaunchAgents/com.hoymiles-tray.plist (RunAtLoad, no KeepAlive)
 *   Linux    ${XDG_CONFIG_HOME:-~/.config}/autostart/hoymiles-tray.desktop
 *
 * "Enabled" means the entry starts *this* command (same executable and arguments): an entry left behind by a
 * copy in another folder shows as off, and turning it on rewrites it.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, posix, resolve, win32 } from 'node:path';
import * as sea from 'node:sea';
import { xdgConfigHome, type Env } from './paths.js';

export interface LaunchCommand {
  executable: string;
  args: string[];
}

export interface Autostart {
  isEnabled(): Promise<boolean>;
  enable(): Promise<void>;
  disable(): Promise<void>;
  /** Where the entry lives, for logs and error messages. */
  describe(): string;
}

export type RegResult = { code: number; stdout: string; stderr: string };
export type RunReg = (args: string[]) => Promise<RegResult>;

export interface AutostartOptions {
  platform?: NodeJS.Platform;
  home?: string;
  env?: Record<string, string | undefined>;
  command: LaunchCommand;
  /** Runs reg.exe with these arguments (Windows). Injectable for tests; default execFile, no shell, no window. */
  runReg?: RunReg;
}

export const RUN_KEY = 'HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run';
/** Task Manager's "Startup apps" switch; a value whose first byte is odd means "disabled by the user". */
export const STARTUP_APPROVED_KEY = 'HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\StartupApproved\\Run';
export const RUN_VALUE = 'HoymilesTray';
export const LAUNCH_AGENT_LABEL = 'com.hoymiles-tray';
export const DESKTOP_FILE = 'hoymiles-tray.desktop';

/**
 * What to start at login. Every path is absolute: at login the working folder is not ours (on Windows it is
 * C:\Windows\System32), so nothing may depend on it.
 *  - Inside a single executable (SEA): the executable itself, no arguments.
 *  - Otherwise: this Node binary plus the absolute path of the bundle. On Windows that is node.exe, a
 *    console-subsystem program, so a console window opens next to the tray at every login; only the SEA exe
 *    (patched to the GUI subsystem) starts without one. The entry is still right, just not pretty.
 */
export function launchCommand(opts: { isSea?: boolean; execPath?: string; mainFile?: string } = {}): LaunchCommand {
  const execPath = opts.execPath ?? process.execPath;
  const inSea = opts.isSea ?? (typeof sea.isSea === 'function' && sea.isSea());
  if (inSea) return { executable: execPath, args: [] };
  const main = opts.mainFile ?? (typeof require === 'function' ? require.main?.filename : undefined) ?? process.argv[1];
  if (!main) throw new Error('Cannot tell which script to start at login (no main module).');
  return { executable: execPath, args: [resolve(main)] };
}

export function createAutostart(opts: AutostartOptions): Autostart {
  const platform = opts.platform ?? process.platform;
  const home = opts.home ?? homedir();
  const env = opts.env ?? process.env;
  const command: LaunchCommand = { executable: opts.command.executable, args: [...opts.command.args] };
  if (platform === 'win32') return windowsAutostart(command, opts.runReg ?? defaultRunReg(env));
  if (platform === 'darwin') return macAutostart(command, posix.join(home, 'Library', 'LaunchAgents', `${LAUNCH_AGENT_LABEL}.plist`));
  return linuxAutostart(command, posix.join(xdgConfigHome(env, home), 'autostart', DESKTOP_FILE));
}

// ---------------------------------------------------------------------------------------------- files

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw e;
  }
}

/** Write-then-rename, so a crash never leaves half an entry; 0644 (launchd refuses group/world-writable plists). */
function writeAtomic(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, text, { mode: 0o644 });
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

function sameCommand(a: LaunchCommand, b: LaunchCommand, fold: (s: string) => string = (s) => s): boolean {
  return fold(a.executable) === fold(b.executable) && a.args.length === b.args.length && a.args.every((x, i) => fold(x) === fold(b.args[i]!));
}

// ---------------------------------------------------------------------------------------------- Windows

function defaultRunReg(env: Env): RunReg {
  // Full path: a reg.exe earlier on PATH (or in the working folder) must not be run instead.
  const root = env.SystemRoot ?? env.SYSTEMROOT ?? env.windir;
  const exe = root ? win32.join(root, 'System32', 'reg.exe') : 'reg.exe';
  return (args) =>
    new Promise((done, fail) => {
      execFile(exe, args, { windowsHide: true, timeout: 15_000, encoding: 'utf8' }, (err, stdout, stderr) => {
        if (err && typeof err.code !== 'number') return fail(new Error(`Cannot run ${exe}: ${err.message}`));
        done({ code: err ? (err.code as number) : 0, stdout, stderr });
      });
    });
}

/** One argument quoted for a Windows command line (the rules of CommandLineToArgvW and the C runtime). */
export function quoteWindowsArg(arg: string): string {
  if (arg !== '' && !/[\s"]/.test(arg)) return arg;
  // Backslashes are literal except right before a quote: double those, and escape the quote itself.
  return `"${arg.replace(/(\\*)"/g, '$1$1\\"').replace(/(\\+)$/, '$1$1')}"`;
}

/** The Run value's data: the executable always in quotes (it may contain spaces, never a quote), then the arguments. */
export function windowsCommandLine(cmd: LaunchCommand): string {
  return [`"${cmd.executable}"`, ...cmd.args.map(quoteWindowsArg)].join(' ');
}

/** The inverse of windowsCommandLine (the program name's own rule, then the C runtime's argument rules). */
export function parseWindowsCommandLine(line: string): LaunchCommand {
  let i = 0;
  const s = line.trim();
  let executable = '';
  if (s.startsWith('"')) {
    const end = s.indexOf('"', 1);
    executable = end < 0 ? s.slice(1) : s.slice(1, end);
    i = end < 0 ? s.length : end + 1;
  } else {
    while (i < s.length && !/\s/.test(s[i]!)) executable += s[i++];
  }
  const args: string[] = [];
  for (;;) {
    while (i < s.length && /\s/.test(s[i]!)) i++;
    if (i >= s.length) break;
    let cur = '';
    let quoted = false;
    while (i < s.length && (quoted || !/\s/.test(s[i]!))) {
      if (s[i] === '\\') {
        let n = 0;
        while (s[i] === '\\') (n++, i++);
        if (s[i] === '"') {
          cur += '\\'.repeat(Math.floor(n / 2));
          if (n % 2) (cur += '"'), i++;
        } else cur += '\\'.repeat(n);
      } else if (s[i] === '"') {
        if (quoted && s[i + 1] === '"') (cur += '"'), (i += 2);
        else (quoted = !quoted), i++;
      } else cur += s[i++];
    }
    args.push(cur);
  }
  return { executable, args };
}

/**
 * reg.exe prints in the console's OEM code page, which arrives here as UTF-8 garbage for non-ASCII paths
 * (ü becomes U+FFFD, or '?' when the code page lacks it). Compare case-insensitively, with every run of
 * non-ASCII characters or question marks standing for "something".
 */
function foldWindows(s: string): string {
  return s.toLowerCase().replace(/(?:[^\x20-\x7e]|\?)+/g, '?');
}

function regValue(stdout: string, type: string): string | undefined {
  const m = new RegExp(`^\\s*${RUN_VALUE}\\s+${type}\\s+(.*?)\\s*$`, 'mi').exec(stdout);
  return m?.[1];
}

function windowsAutostart(command: LaunchCommand, runReg: RunReg): Autostart {
  const data = windowsCommandLine(command);
  const fail = (what: string, r: RegResult) => new Error(`reg.exe could not ${what} (exit code ${r.code}): ${(r.stderr || r.stdout).trim()}`);
  const isEnabled = async (): Promise<boolean> => {
    const r = await runReg(['query', RUN_KEY, '/v', RUN_VALUE]);
    const value = r.code === 0 ? regValue(r.stdout, 'REG_(?:EXPAND_)?SZ') : undefined;
    if (value === undefined || !sameCommand(parseWindowsCommandLine(value), command, foldWindows)) return false;
    // Turned off in Task Manager (Startup apps)? The Run value stays, with a flag under StartupApproved.
    const approved = await runReg(['query', STARTUP_APPROVED_KEY, '/v', RUN_VALUE]);
    const bytes = approved.code === 0 ? regValue(approved.stdout, 'REG_BINARY') : undefined;
    const first = bytes ? parseInt(bytes.slice(0, 2), 16) : NaN;
    return Number.isNaN(first) || first % 2 === 0;
  };
  return {
    describe: () => `${RUN_KEY}, value ${RUN_VALUE}`,
    isEnabled,
    async enable() {
      const r = await runReg(['add', RUN_KEY, '/v', RUN_VALUE, '/t', 'REG_SZ', '/d', data, '/f']);
      if (r.code !== 0) throw fail(`write ${RUN_KEY}\\${RUN_VALUE}`, r);
      // Clear a "disabled in Task Manager" flag from earlier, or the checkbox would not stick.
      await runReg(['delete', STARTUP_APPROVED_KEY, '/v', RUN_VALUE, '/f']);
    },
    async disable() {
      const r = await runReg(['delete', RUN_KEY, '/v', RUN_VALUE, '/f']);
      await runReg(['delete', STARTUP_APPROVED_KEY, '/v', RUN_VALUE, '/f']);
      if (r.code === 0) return;
      // Exit code 1 also means "no such value": fine, as long as it is really gone.
      const q = await runReg(['query', RUN_KEY, '/v', RUN_VALUE]);
      if (q.code === 0 && regValue(q.stdout, 'REG_\\w+') !== undefined) throw fail(`remove ${RUN_KEY}\\${RUN_VALUE}`, r);
    },
  };
}

// ---------------------------------------------------------------------------------------------- macOS

function xmlEscape(s: string): string {
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x08\x0b\x0c\x0e-\x1f]/.test(s)) throw new Error('A path with control characters cannot go into a plist.');
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

function xmlUnescape(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|lt|gt|amp|quot|apos);/gi, (_, e: string) => {
    const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
    if (e[0] !== '#') return named[e.toLowerCase()]!;
    return String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
  });
}

/**
 * The LaunchAgent. RunAtLoad starts it at login; KeepAlive is false on purpose: launchd would otherwise
 * restart the app whenever it exits, so "Quit" in the tray would not stick and a crash at start-up would
 * loop. Interactive: scheduled like an app the user is looking at, not throttled as a background daemon.
 * Aqua: only in a graphical login, not in SSH sessions.
 */
export function launchAgentPlist(cmd: LaunchCommand): string {
  const args = [cmd.executable, ...cmd.args].map((a) => `    <string>${xmlEscape(a)}</string>\n`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
  <key>Label</key>
  <string>${LAUNCH_AGENT_LABEL}</string>
  <key>ProgramArguments</key>
  <array>
${args}  </array>
  <key>RunAtLoad</key>
  <true/>
  <key>KeepAlive</key>
  <false/>
  <key>ProcessType</key>
  <string>Interactive</string>
  <key>LimitLoadToSessionType</key>
  <string>Aqua</string>
</dict>
</plist>
`;
}

function plistProgramArguments(text: string): string[] | undefined {
  const m = /<key>\s*ProgramArguments\s*<\/key>\s*<array>([\s\S]*?)<\/array>/.exec(text);
  if (!m) return undefined;
  return [...m[1]!.matchAll(/<string>([\s\S]*?)<\/string>/g)].map((x) => xmlUnescape(x[1]!));
}

function macAutostart(command: LaunchCommand, file: string): Autostart {
  return {
    describe: () => file,
    async isEnabled() {
      const text = readIfExists(file);
      if (text === undefined || /<key>\s*Disabled\s*<\/key>\s*<true\s*\/>/.test(text)) return false;
      const argv = plistProgramArguments(text);
      return !!argv?.length && sameCommand({ executable: argv[0]!, args: argv.slice(1) }, command);
    },
    // Only the file: launchd reads it at the next login. `launchctl load` now would start a second copy.
    async enable() {
      writeAtomic(file, launchAgentPlist(command));
    },
    async disable() {
      rmSync(file, { force: true });
    },
  };
}

// ---------------------------------------------------------------------------------------------- Linux (XDG)

/** Characters that force an Exec argument into double quotes (Desktop Entry Specification, "The Exec key"). */
const EXEC_RESERVED = /[\s"'\\><~|&;$*?#()`]/;

/** One Exec argument: quoted when needed, `"`, `` ` ``, `$` and `\` escaped inside the quotes, `%` doubled. */
export function quoteExecArg(arg: string): string {
  const a = arg.replace(/%/g, '%%');
  return arg === '' || EXEC_RESERVED.test(arg) ? `"${a.replace(/["`$\\]/g, '\\$&')}"` : a;
}

/**
 * The Exec value as it is written in the file: the quoting rule first, then the general string escapes
 * (so one literal backslash inside a quoted argument ends up as four).
 */
export function desktopExec(cmd: LaunchCommand): string {
  const exec = [cmd.executable, ...cmd.args].map(quoteExecArg).join(' ');
  return exec.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\t/g, '\\t').replace(/\r/g, '\\r');
}

/** The inverse of desktopExec. */
export function parseDesktopExec(value: string): LaunchCommand {
  const s = value.replace(/\\([\\sntr])/g, (_, c: string) => ({ '\\': '\\', s: ' ', n: '\n', t: '\t', r: '\r' })[c]!);
  const argv: string[] = [];
  let i = 0;
  for (;;) {
    while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++;
    if (i >= s.length) break;
    let cur = '';
    if (s[i] === '"') {
      i++;
      while (i < s.length && s[i] !== '"') {
        if (s[i] === '\\' && i + 1 < s.length && '"`$\\'.includes(s[i + 1]!)) i++;
        cur += s[i++];
      }
      i++;
    } else {
      while (i < s.length && s[i] !== ' ' && s[i] !== '\t') cur += s[i++];
    }
    argv.push(cur.replace(/%%/g, '%'));
  }
  return { executable: argv[0] ?? '', args: argv.slice(1) };
}

export function desktopEntry(cmd: LaunchCommand): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=Hoymiles Tray',
    'Comment=Hoymiles MS-A2 battery in the tray and in Home Assistant (MQTT)',
    `Exec=${desktopExec(cmd)}`,
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

/** Keys of the [Desktop Entry] group (other groups, comments and localized keys are skipped). */
function desktopKeys(text: string): Map<string, string> {
  const keys = new Map<string, string>();
  let inMain = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('[')) inMain = line === '[Desktop Entry]';
    else if (inMain && line && !line.startsWith('#')) {
      const eq = line.indexOf('=');
      if (eq > 0) keys.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
    }
  }
  return keys;
}

function linuxAutostart(command: LaunchCommand, file: string): Autostart {
  return {
    describe: () => file,
    async isEnabled() {
      const text = readIfExists(file);
      if (text === undefined) return false;
      const keys = desktopKeys(text);
      if (keys.get('Hidden')?.toLowerCase() === 'true') return false;
      if (keys.get('X-GNOME-Autostart-enabled')?.toLowerCase() === 'false') return false;
      const exec = keys.get('Exec');
      return exec !== undefined && sameCommand(parseDesktopExec(exec), command);
    },
    async enable() {
      writeAtomic(file, desktopEntry(command));
    },
    async disable() {
      rmSync(file, { force: true });
    },
  };
}
