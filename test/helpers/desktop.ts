/**
 * A private headless Linux desktop for end-to-end tests of the tray: Xvfb + private D-Bus session bus +
 * trayer (XEmbed tray host) + dunst (notifications) + dbus-monitor, with private XDG dirs, so nothing is
 * written to $HOME. Acts like a person: finds the tray icon, clicks it, screenshots and OCRs the GTK menu,
 * clicks an OCR'd label or walks the menu with the keyboard.
 *
 * Debian packages: xvfb trayer xdotool imagemagick tesseract-ocr tesseract-ocr-eng libayatana-appindicator3-1
 * libgtk-3-0 dunst dbus libnotify-bin fonts-dejavu-core.
 */
import { spawn, spawnSync, execFile, type ChildProcess, type StdioOptions } from 'node:child_process';
import { accessSync, constants, createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';

export const DESKTOP_TOOLS = [
  'Xvfb',
  'dbus-daemon',
  'dbus-update-activation-environment',
  'dbus-monitor',
  'trayer',
  'dunst',
  'dunstctl',
  'xdotool',
  'import',
  'convert',
  'identify',
  'tesseract',
] as const;
export const DESKTOP_PACKAGES =
  'xvfb trayer xdotool imagemagick tesseract-ocr tesseract-ocr-eng libayatana-appindicator3-1 libgtk-3-0 dunst dbus libnotify-bin fonts-dejavu-core';

/** Tools from DESKTOP_TOOLS that are not on PATH. */
export function missingDesktopTools(): string[] {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  return DESKTOP_TOOLS.filter(
    (t) =>
      !dirs.some((d) => {
        try {
          accessSync(join(d, t), constants.X_OK);
          return statSync(join(d, t)).isFile();
        } catch {
          return false;
        }
      }),
  );
}

/** OCR text for comparisons: lowercase, no whitespace; checkmarks ("(√)", read as "(v)", "(Vv)", "(/)") become "(v)". */
/** The systray2 helper started by an app process (its child). */
export function trayHelperPid(app: AppProcess): number {
  const out = spawnSync('pgrep', ['-P', String(app.pid), '-f', 'tray_linux_release']).stdout?.toString() ?? '';
  return Number(out.trim().split('\n')[0]) || -1;
}

/**
 * Quit like a user: open the menu, click "Quit" by its OCR'd label. Resolves with the app's exit code once the
 * app has exited and its tray helper is gone too; rejects (with the app's output) when either lingers.
 */
export async function quitThroughMenu(desktop: Desktop, app: AppProcess, helperPid: number, artifact = 'before-quit', label = 'Quit'): Promise<number | string> {
  await desktop.openMenu();
  await desktop.ocrMenu(artifact);
  if (!(await desktop.clickLabel(label))) throw new Error(`no "${label}" in the menu`);
  const code = await Promise.race([
    app.exited,
    new Promise<never>((_, rej) => setTimeout(() => rej(new Error(`still running after Quit:\n${app.output()}`)), 10_000)),
  ]);
  const end = Date.now() + 5_000;
  while (processAlive(helperPid)) {
    if (Date.now() > end) throw new Error(`the tray helper ${helperPid} is still running after Quit`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return code;
}

/** Whether a process still exists (signal 0 only checks). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether a check box glyph (pixels from Desktop.pixelsLeftOf) is ticked: dark pixels in the middle of its ink's
 * bounding box, where ☑ has its tick and ☐ is empty. Undefined when there is no ink at all.
 */
export function boxTicked(gray: Buffer): boolean | undefined {
  const side = Math.round(Math.sqrt(gray.length));
  const xs: number[] = [];
  const ys: number[] = [];
  gray.forEach((v, i) => {
    if (v < 160) {
      xs.push(i % side);
      ys.push(Math.floor(i / side));
    }
  });
  if (xs.length < 10) return undefined;
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const mx = Math.ceil((x1 - x0) * 0.3);
  const my = Math.ceil((y1 - y0) * 0.3);
  let n = 0;
  for (let y = y0 + my; y <= y1 - my; y++) for (let x = x0 + mx; x <= x1 - mx; x++) if (gray[y * side + x]! < 160) n++;
  return n > 2;
}

export function normaliseOcr(text: string): string {
  return text
    .toLowerCase()
    .replace(/\s+/g, '')
    .replace(/\((?:√|vv|v|\/|y|j)\)/g, '(v)')
    .replace(/[–—−]/g, '-');
}

export interface AppProcess {
  readonly proc: ChildProcess;
  readonly pid: number;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves with the output once `pattern` matches it; rejects after `timeoutMs` with the output. */
  waitForOutput(pattern: RegExp | string, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  readonly exited: Promise<number | string>;
  hasExited(): boolean;
  /** Writes to the process's stdin. */
  write(text: string): void;
  /** Kills the whole process group (the app and e.g. its tray helper). */
  kill(signal?: NodeJS.Signals): void;
}

export interface MenuWindow {
  id: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Desktop {
  /** Environment for processes that should live on this desktop (process.env + DISPLAY, bus, XDG dirs). */
  readonly env: NodeJS.ProcessEnv;
  readonly display: string;
  /** Folder for screenshots, OCR results and logs (kept after stop). */
  readonly artifacts: string;
  /** Starts any command on this desktop (own process group, output captured, killed on stop). */
  run(command: string, args?: string[], opts?: { cwd?: string; env?: NodeJS.ProcessEnv; name?: string }): AppProcess;
  /** Waits until a tray icon window (WM_CLASS "systray") is embedded; returns its X window id. */
  waitForIcon(timeoutMs?: number): Promise<string>;
  /**
   * Clicks the tray icon and waits for the menu popup (up to timeoutMs, default 8 s; if nothing opened, one more
   * click, said on stderr, and as long again). Closes a menu that is already open first.
   */
  openMenu(timeoutMs?: number): Promise<MenuWindow>;
  /** Closes an open menu and its open submenus (Escape until no menu window is left). */
  closeMenu(): Promise<void>;
  /**
   * Opens the submenu of the row whose first word (from the last OCR) is `word`: clicks it and waits for the new
   * popup. ocrMenu/clickLabel then work on the submenu; clickLabel on a submenu row closes the whole menu.
   */
  openSubmenu(word: string, timeoutMs?: number): Promise<MenuWindow>;
  /** Screenshots the open menu (or the submenu opened last) and OCRs it; returns the raw text. `name` names the artifacts. */
  ocrMenu(name?: string): Promise<string>;
  /**
   * The pixels (8-bit grey) of the square just left of `word` in the last OCR'd menu, e.g. a ☑/☐ glyph that OCR
   * cannot read; undefined when the word is not there.
   */
  pixelsLeftOf(word: string): Promise<Buffer | undefined>;
  /** Clicks the first word of the last OCR equal to `word` (case-insensitive); false if not found. */
  clickLabel(word: string): Promise<boolean>;
  /** xdotool key names, e.g. key('Down', 'Down', 'Return'). */
  key(...keys: string[]): Promise<void>;
  /** What dbus-monitor saw on org.freedesktop.Notifications so far. */
  notificationsLog(): string;
  /**
   * Screenshots the docked tray icon (`<name>.png`) and OCRs its digits: the top `digitsShare` of the icon (where
   * the digits are, above the mark) is cut out, reduced to white-on-anything → black-on-white, upscaled 4× and
   * read by tesseract as one line of digits. Returns the digits read ('' when none) and the screenshot's path.
   */
  ocrIcon(name?: string, digitsShare?: number): Promise<{ digits: string; png: string }>;
  /** The docked icon's pixels (RGBA, from a fresh screenshot). */
  iconPixels(): Promise<{ width: number; height: number; rgba: Buffer }>;
  /** Screenshot of the whole screen. */
  screenshot(path: string): Promise<void>;
  stop(): Promise<void>;
}

const TRAYER_ARGS = ['--edge', 'top', '--align', 'right', '--widthtype', 'request', '--height', '32', '--SetDockType', 'true', '--transparent', 'false'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function exec(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 15_000): Promise<string> {
  return new Promise((res, rej) => {
    execFile(cmd, args, { env, timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) rej(new Error(`${cmd} ${args.join(' ')}: ${err.message}${stderr ? `\n${stderr}` : ''}`));
      else res(stdout);
    });
  });
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs: number, everyMs = 50): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch {
      /* not yet */
    }
    if (Date.now() >= end) throw new Error(`desktop: timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

function alive(p: ChildProcess): boolean {
  return p.exitCode === null && p.signalCode === null;
}

async function stopProcess(p: ChildProcess, group: boolean): Promise<void> {
  if (p.pid === undefined) return;
  if (alive(p)) await terminate(p, group);
  // The leader may be gone while a child of it (e.g. an orphaned tray helper) still lives in its group.
  if (group) {
    try {
      process.kill(-p.pid, 'SIGKILL');
    } catch {
      /* group empty */
    }
  }
}

async function terminate(p: ChildProcess, group: boolean): Promise<void> {
  const exited = new Promise<void>((r) => p.once('exit', () => r()));
  const signal = (s: NodeJS.Signals) => {
    try {
      if (group) process.kill(-p.pid!, s);
      else p.kill(s);
    } catch {
      /* already gone */
    }
  };
  signal('SIGTERM');
  const t = setTimeout(() => signal('SIGKILL'), 2_000);
  await Promise.race([exited, sleep(4_000)]);
  clearTimeout(t);
}

/**
 * Starts the private desktop. Throws a readable Error when a tool is missing or a part does not come up.
 * `name` names the artifacts folder (default e2e-artifacts/<name> under the current directory).
 */
export async function startDesktop(
  opts: {
    name?: string;
    artifacts?: string;
    width?: number;
    height?: number;
    /**
     * X window classes of the tray icon and of the menu popups (xdotool --classname patterns). Default: the Linux
     * systray2 helper's. Under Wine the icon is an explorer.exe window (one of several; the icon is the one of at
     * least 16×16 pixels) and the menu belongs to tray_windows_release.exe.
     */
    trayClasses?: { icon: string; menu: string };
  } = {},
): Promise<Desktop> {
  if (process.platform !== 'linux') throw new Error(`startDesktop: needs Linux (this is ${process.platform})`);
  const missing = missingDesktopTools();
  if (missing.length) {
    throw new Error(`startDesktop: missing tools: ${missing.join(', ')}. On Debian/Ubuntu: apt-get install ${DESKTOP_PACKAGES}`);
  }
  const run = mkdtempSync(join(tmpdir(), 'desktop-'));
  const artifacts = resolve(opts.artifacts ?? join('e2e-artifacts', opts.name ?? 'desktop'));
  // Our own default folder starts empty (logs are appended to, so a restarted daemon keeps the first log).
  if (!opts.artifacts) rmSync(artifacts, { recursive: true, force: true });
  mkdirSync(artifacts, { recursive: true });
  for (const d of ['xdg', 'cache', 'config', 'data']) mkdirSync(join(run, d), { recursive: true, mode: 0o700 });

  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const k of ['DISPLAY', 'WAYLAND_DISPLAY', 'DBUS_SESSION_BUS_ADDRESS', 'XAUTHORITY', 'DESKTOP_SESSION', 'XDG_CURRENT_DESKTOP', 'XDG_SESSION_TYPE']) {
    delete base[k];
  }
  const env: NodeJS.ProcessEnv = {
    ...base,
    XDG_RUNTIME_DIR: join(run, 'xdg'),
    XDG_CACHE_HOME: join(run, 'cache'),
    XDG_CONFIG_HOME: join(run, 'config'),
    XDG_DATA_HOME: join(run, 'data'),
    NO_AT_BRIDGE: '1',
    GSETTINGS_BACKEND: 'memory',
  };

  const daemons: ChildProcess[] = [];
  const apps: { proc: ChildProcess }[] = [];
  let stopped = false;
  const daemon = (cmd: string, args: string[], logName: string, stdio?: StdioOptions): ChildProcess => {
    const log = createWriteStream(join(artifacts, logName), { flags: 'a' });
    const p = spawn(cmd, args, { env, stdio: stdio ?? ['ignore', 'pipe', 'pipe'] });
    p.stdout?.pipe(log);
    p.stderr?.pipe(log);
    p.on('error', (e) => log.write(`spawn error: ${e.message}\n`));
    daemons.push(p);
    return p;
  };

  /** Starts a daemon and waits until `ready` says so; a daemon that dies or stalls is restarted (twice at most). */
  const startWithRetry = async (what: string, start: () => ChildProcess, ready: () => Promise<unknown>, attempts = 3, timeoutMs = 8_000) => {
    for (let attempt = 1; ; attempt++) {
      const p = start();
      try {
        const r = await waitFor(what, async () => (alive(p) ? (await ready()) && 'up' : 'dead'), timeoutMs, 100);
        if (r === 'dead') throw new Error(`${what} exited (${p.exitCode ?? p.signalCode})`);
        return;
      } catch (e) {
        await stopProcess(p, false);
        const log = (() => {
          try {
            return readFileSync(join(artifacts, `${what}.log`), 'utf8').trim().split('\n').slice(-3).join(' | ');
          } catch {
            return '';
          }
        })();
        if (attempt >= attempts) throw new Error(`${(e as Error).message}${log ? ` (log: ${log})` : ''}`);
        console.warn(`desktop: ${what} did not come up (attempt ${attempt}: ${(e as Error).message}${log ? `; log: ${log}` : ''}), retrying`);
      }
    }
  };

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    for (const a of apps.reverse()) await stopProcess(a.proc, true);
    for (const d of daemons.reverse()) await stopProcess(d, false);
    rmSync(run, { recursive: true, force: true });
  };

  try {
    // X server: -displayfd writes the display number to fd 3.
    const xvfb = daemon('Xvfb', ['-displayfd', '3', '-screen', '0', `${opts.width ?? 1024}x${opts.height ?? 768}x24`, '-nolisten', 'tcp'], 'xvfb.log', [
      'ignore',
      'pipe',
      'pipe',
      'pipe',
    ]);
    const fd3 = xvfb.stdio[3] as NodeJS.ReadableStream;
    let displayOut = '';
    fd3.on('data', (d: Buffer) => (displayOut += d.toString()));
    const num = await waitFor('Xvfb to report its display', () => (/^\d+\n/.test(displayOut) ? displayOut.trim() : alive(xvfb) ? undefined : Promise.reject()), 10_000);
    if (!alive(xvfb)) throw new Error('Xvfb exited');
    env.DISPLAY = `:${num}`;

    daemon('dbus-daemon', ['--session', '--nofork', '--nopidfile', `--address=unix:path=${join(run, 'bus')}`], 'dbus.log');
    await waitFor('the D-Bus socket', () => existsSync(join(run, 'bus')), 10_000);
    env.DBUS_SESSION_BUS_ADDRESS = `unix:path=${join(run, 'bus')}`;
    await exec('dbus-update-activation-environment', ['DISPLAY', 'XDG_RUNTIME_DIR', 'NO_AT_BRIDGE', 'GSETTINGS_BACKEND'], env).catch(() => undefined);

    await startWithRetry('trayer', () => daemon('trayer', TRAYER_ARGS, 'trayer.log'), async () => (await exec('xdotool', ['search', '--name', '^panel$'], env, 3_000)).trim());
    await startWithRetry('dunst', () => daemon('dunst', [], 'dunst.log'), async () => (await exec('dunstctl', ['count'], env, 3_000), true));
    daemon('dbus-monitor', ["interface='org.freedesktop.Notifications'"], 'dbus-monitor.log');
  } catch (e) {
    await stop();
    throw new Error(`startDesktop: ${(e as Error).message} (logs in ${artifacts})`);
  }

  let iconWindow: string | undefined;
  let menu: MenuWindow | undefined;
  let lastTsv = '';
  let lastPng = '';
  let ocrCount = 0;

  const geometry = async (id: string): Promise<MenuWindow> => {
    const out = await exec('xdotool', ['getwindowgeometry', '--shell', id], env);
    const v = (k: string) => Number(new RegExp(`^${k}=(-?\\d+)$`, 'm').exec(out)?.[1] ?? NaN);
    return { id, x: v('X'), y: v('Y'), width: v('WIDTH'), height: v('HEIGHT') };
  };
  /** Every visible popup of the helper (the menu, then open submenus), in X's stacking order. */
  const findMenus = async (): Promise<MenuWindow[]> => {
    const ids = (await exec('xdotool', ['search', '--onlyvisible', '--classname', opts.trayClasses?.menu ?? '^tray_linux_release$'], env).catch(() => ''))
      .split('\n')
      .filter(Boolean);
    const out: MenuWindow[] = [];
    for (const id of ids) {
      const g = await geometry(id).catch(() => undefined);
      if (g && g.width > 20 && g.height > 20) out.push(g);
    }
    return out;
  };
  const findMenu = async (): Promise<MenuWindow | undefined> => (await findMenus())[0];
  /** Where the last OCR saw `word` (first match, case-insensitive), in screen coordinates. */
  const locate = (word: string): { x: number; y: number } | undefined => {
    if (!menu) return undefined;
    const want = word.toLowerCase();
    for (const line of lastTsv.split('\n').slice(1)) {
      const f = line.split('\t');
      if (f.length < 12 || (f[11] ?? '').trim().toLowerCase() !== want) continue;
      const [left, top, width, height] = [f[6], f[7], f[8], f[9]].map(Number) as [number, number, number, number];
      return { x: menu.x + Math.round((left + width / 2) / 4), y: menu.y + Math.round((top + height / 2) / 4) };
    }
    return undefined;
  };

  const desktop: Desktop = {
    env,
    display: env.DISPLAY!,
    artifacts,

    run(command, args = [], o = {}) {
      const proc = spawn(command, args, { cwd: o.cwd, env: o.env ?? env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
      const entry = { proc };
      apps.push(entry);
      let out = '';
      const log = createWriteStream(join(artifacts, `${o.name ?? 'app'}.log`));
      const onData = (d: Buffer) => {
        out += d.toString();
        log.write(d);
      };
      proc.stdout!.on('data', onData);
      proc.stderr!.on('data', onData);
      proc.stdin!.on('error', () => undefined);
      proc.on('error', (e) => onData(Buffer.from(`spawn error: ${e.message}\n`)));
      const exited = new Promise<number | string>((r) => proc.on('exit', (code, sig) => r(code ?? sig ?? -1)));
      return {
        proc,
        pid: proc.pid ?? -1,
        output: () => out,
        exited,
        hasExited: () => !alive(proc),
        write: (text) => void proc.stdin!.write(text),
        kill: (signal = 'SIGTERM') => {
          try {
            process.kill(-proc.pid!, signal);
          } catch {
            /* gone */
          }
        },
        waitForOutput: (pattern, timeoutMs = 10_000) =>
          waitFor(`output ${String(pattern)}`, () => (typeof pattern === 'string' ? out.includes(pattern) : pattern.test(out)) && out, timeoutMs).catch(
            (e: Error) => Promise.reject(new Error(`${e.message}; output so far:\n${out}`)),
          ),
      };
    },

    async waitForIcon(timeoutMs = 15_000) {
      iconWindow = await waitFor(
        'the tray icon (WM_CLASS systray)',
        async () => {
          const ids = (await exec('xdotool', ['search', '--classname', opts.trayClasses?.icon ?? '^systray$'], env)).split('\n').filter(Boolean);
          if (!opts.trayClasses) return ids.pop();
          for (const id of ids.reverse()) {
            const g = await geometry(id).catch(() => undefined);
            if (g && g.width >= 16 && g.height >= 16) return id;
          }
          return undefined;
        },
        timeoutMs,
        20,
      );
      return iconWindow;
    },

    async openMenu(timeoutMs = 8_000) {
      if (await findMenu()) await desktop.closeMenu();
      const icon = iconWindow ?? (await desktop.waitForIcon());
      const g = await geometry(icon);
      // Move first, click after a pause: under load GTK may still be busy with the menu just closed (its pointer
      // grab) or not have seen the pointer arrive, and then takes the click for nothing.
      const click = async () => {
        await exec('xdotool', ['mousemove', '--window', icon, String(Math.floor(g.width / 2)), String(Math.floor(g.height / 2))], env);
        await sleep(100);
        await exec('xdotool', ['click', '1'], env);
      };
      await click();
      let opened = await waitFor('the tray menu to open', findMenu, timeoutMs).catch(() => undefined);
      if (!opened) {
        // A lost click does not come back by waiting longer: click once more (said, so it is never silent). A
        // menu that does not open on the second click either is a real failure.
        console.warn(`desktop: the tray menu did not open within ${timeoutMs} ms of the click; clicking the icon once more`);
        if (!(await findMenu())) await click();
        opened = await waitFor('the tray menu to open (after clicking the icon twice)', findMenu, timeoutMs);
      }
      menu = opened;
      // Let GTK finish drawing the popup.
      await sleep(250);
      menu = (await findMenu()) ?? menu;
      return menu;
    },

    async closeMenu() {
      // Escape closes one level: a menu with an open submenu needs one press per level.
      for (let i = 0; i < 4; i++) {
        await exec('xdotool', ['key', 'Escape'], env);
        const closed = await waitFor('the tray menu to close', async () => !(await findMenu()), i === 0 ? 1_000 : 2_000, 50).catch(() => false);
        if (closed) break;
      }
      menu = undefined;
    },

    async openSubmenu(word, timeoutMs = 5_000) {
      if (!menu) throw new Error('openSubmenu: no menu open (call openMenu and ocrMenu first)');
      const at = locate(word);
      if (!at) throw new Error(`openSubmenu: "${word}" is not in the last OCR of the menu`);
      const parent = menu;
      const before = new Set((await findMenus()).map((m) => m.id));
      const newPopup = async () => (await findMenus()).find((m) => !before.has(m.id) && m.id !== parent.id);
      // Hovering alone does not open it under Xvfb (xdotool jumps, GTK waits for motion): click the parent row.
      // The helper reports that click too; the app ignores it (the row has no action).
      await exec('xdotool', ['mousemove', String(at.x), String(at.y)], env);
      await sleep(150);
      await exec('xdotool', ['click', '1'], env);
      const sub = await waitFor('the submenu to open', newPopup, timeoutMs);
      await sleep(250);
      menu = (await findMenus()).find((m) => m.id === sub.id) ?? sub;
      return menu;
    },

    async ocrMenu(name) {
      if (!menu) throw new Error('ocrMenu: no menu open (call openMenu first)');
      const base = join(artifacts, name ?? `menu-${++ocrCount}`);
      await exec('import', ['-window', menu.id, `${base}.png`], env);
      await exec('convert', [`${base}.png`, '-resize', '400%', `${base}.x4.png`], env);
      await exec('tesseract', [`${base}.x4.png`, base, '--psm', '6', 'txt', 'tsv'], env);
      rmSync(`${base}.x4.png`, { force: true });
      lastTsv = readFileSync(`${base}.tsv`, 'utf8');
      lastPng = `${base}.png`;
      return readFileSync(`${base}.txt`, 'utf8');
    },

    async pixelsLeftOf(word) {
      const want = word.toLowerCase();
      for (const line of lastTsv.split('\n').slice(1)) {
        const f = line.split('\t');
        if (f.length < 12 || (f[11] ?? '').trim().toLowerCase() !== want) continue;
        const [left, top, , height] = [f[6], f[7], f[8], f[9]].map((v) => Math.round(Number(v) / 4)) as [number, number, number, number];
        const side = Math.max(8, height + 4);
        const x = Math.max(0, left - side - 2);
        const y = Math.max(0, top - 2);
        const file = join(run, 'glyph.gray');
        await exec('convert', [lastPng, '-crop', `${side}x${side}+${x}+${y}`, '+repage', '-colorspace', 'gray', '-depth', '8', `gray:${file}`], env);
        return readFileSync(file);
      }
      return undefined;
    },

    async clickLabel(word) {
      if (!menu) throw new Error('clickLabel: no menu open');
      const at = locate(word);
      if (!at) return false;
      await exec('xdotool', ['mousemove', String(at.x), String(at.y)], env);
      await sleep(200);
      await exec('xdotool', ['click', '1'], env);
      menu = undefined;
      return true;
    },

    async key(...keys) {
      await exec('xdotool', ['key', '--delay', '60', ...keys], env);
    },

    notificationsLog() {
      try {
        return readFileSync(join(artifacts, 'dbus-monitor.log'), 'utf8');
      } catch {
        return '';
      }
    },

    async ocrIcon(name, digitsShare = 0.74) {
      const icon = iconWindow ?? (await desktop.waitForIcon());
      const base = join(artifacts, name ?? `icon-${++ocrCount}`);
      await exec('import', ['-window', icon, `${base}.png`], env);
      // The icon as drawn: the tray's background trimmed away (the window can be larger than the icon).
      await exec('convert', [`${base}.png`, '-trim', '+repage', `${base}.trim.png`], env);
      const size = (await exec('identify', ['-format', '%w %h', `${base}.trim.png`], env)).trim().split(' ').map(Number);
      const scale = Math.max(4, Math.round(160 / Math.max(1, size[1] ?? 32)));
      await exec(
        'convert',
        [`${base}.trim.png`, '-gravity', 'north', '-crop', `100%x${Math.round(digitsShare * 100)}%+0+0`, '+repage', '-colorspace', 'gray', '-threshold', '85%', '-negate', '-resize', `${scale * 100}%`, '-bordercolor', 'white', '-border', '20', `${base}.ocr.png`],
        env,
      );
      rmSync(`${base}.trim.png`, { force: true });
      const text = await exec('tesseract', [`${base}.ocr.png`, '-', '--psm', '7', '-c', 'tessedit_char_whitelist=0123456789'], env);
      return { digits: text.replace(/\D/g, ''), png: `${base}.png` };
    },

    async iconPixels() {
      const icon = iconWindow ?? (await desktop.waitForIcon());
      const g = await geometry(icon);
      const file = join(run, 'icon.rgba');
      await exec('import', ['-window', icon, '-depth', '8', `rgba:${file}`], env);
      return { width: g.width, height: g.height, rgba: readFileSync(file) };
    },

    async screenshot(path) {
      await exec('import', ['-window', 'root', path], env);
    },

    stop,
  };
  return desktop;
}
