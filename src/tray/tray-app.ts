/**
 * The tray icon and menu: a thin adapter around systray2 2.1.4 and its Go helper, with that package's
 * pitfalls handled here (see the tray platform notes):
 *   - the helper ships without its run bit → chmod 0755 ourselves (macOS: also drop the quarantine flag);
 *   - ready() never settles when the helper dies at once (no display, missing library) → timeout + exit listener;
 *   - rows cannot be added after start → all rows exist from the start, unused ones are hidden;
 *   - hiding a row that has a submenu can lose the submenu → the model never hides the "Battery control" parent
 *     (it disables it), and a parent's update-item goes out without its children (systray2 would otherwise
 *     walk them and append " (√)" to their titles once more);
 *   - 'update-menu-and-item' is a no-op → 'update-item' per changed row and 'update-menu' for icon/title/tooltip;
 *   - Linux appends " (√)" to checked titles and never strips it → reset the title before every send,
 *     and find clicked rows by item object, never by title;
 *   - kill() exits Node by default → kill(false);
 *   - the helper prints "Quit" (not JSON) on signals, which systray2 would JSON.parse and crash on → filtered;
 *   - writes to a dead helper would raise EPIPE → stdin errors are caught, updates stop.
 */
import { accessSync, chmodSync, constants, existsSync, readFileSync } from 'node:fs';
import { execFileSync, type ChildProcess } from 'node:child_process';
import type { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import SysTrayModule from 'systray2';
import type { ClickEvent, MenuItem } from 'systray2';
import type { Logger } from '../log/logger.js';
import { assetsDir, iconFile, moduleDir } from './icons.js';
import { buildMenu, DEFAULT_MAX_BATTERIES, type MenuModel, type MenuRow } from './menu-model.js';
import type { TrayActions, TrayState } from './types.js';

export type { TrayActions, TrayState } from './types.js';

// Native ESM (vitest, plain node) hands us the CommonJS module object; the esbuild bundle hands us the class.
// (TypeScript, under NodeNext, also types the default import as the module object.)
type SysTrayClass = typeof SysTrayModule.default;
const SysTray: SysTrayClass = (SysTrayModule as unknown as { default?: SysTrayClass }).default ?? (SysTrayModule as unknown as SysTrayClass);
type SysTrayInstance = InstanceType<SysTrayClass>;
export type { SysTrayClass };

const SEPARATOR = '<SEPARATOR>';
const DEFAULT_READY_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 3_000;

export interface TrayStartOptions {
  actions: TrayActions;
  logger: Logger;
  maxBatteries?: number;
  readyTimeoutMs?: number;
  /** What the menu shows before the first update() (default: "waiting for data", not publishing). */
  initialState?: TrayState;
  /** Called when the helper goes away without stop() (the icon is gone; the app keeps running). */
  onHelperExit?: (code: number | null, signal: NodeJS.Signals | null) => void;
  /** Folder with icons/ (default: assetsDir()). */
  assetsDir?: string;
  /** Tests only: a stand-in for systray2's class (no helper is looked for or spawned by TrayApp itself). */
  systrayClass?: SysTrayClass;
}

/** The helper's file name on this platform. */
export function helperBinaryName(platform: NodeJS.Platform = process.platform): string {
  switch (platform) {
    case 'win32':
      return 'tray_windows_release.exe';
    case 'darwin':
      return 'tray_darwin_release';
    case 'linux':
      return 'tray_linux_release';
    default:
      throw new Error(`The tray icon is not available on ${platform} (systray2 has helpers for Windows, macOS and Linux only)`);
  }
}

/**
 * The helper systray2 will spawn, in systray2's own order: ./traybin (relative to the working directory),
 * then the folder of the code (the bundle's folder: build.mjs copies traybin/ beside main.cjs), then
 * node_modules/systray2/traybin when running unbundled.
 */
export function findHelper(platform: NodeJS.Platform = process.platform): string {
  const bin = helperBinaryName(platform);
  const candidates = [join('.', 'traybin', bin), join(moduleDir(), 'traybin', bin)];
  try {
    const req = createRequire(typeof __filename === 'string' ? __filename : import.meta.url);
    candidates.push(join(dirname(req.resolve('systray2/package.json')), 'traybin', bin));
  } catch {
    /* bundled without node_modules */
  }
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new Error(`The tray helper ${bin} is missing (looked in ${candidates.join(', ')})`);
  return found;
}

/** Makes the helper runnable: chmod 0755 (systray2's own chmod('+x') fails silently), macOS quarantine removed. */
export function prepareHelper(bin: string, platform: NodeJS.Platform = process.platform, logger?: Logger): void {
  if (platform === 'win32') return;
  let executable = false;
  try {
    accessSync(bin, constants.X_OK);
    executable = true;
  } catch {
    /* chmod below */
  }
  if (!executable) {
    try {
      chmodSync(bin, 0o755);
    } catch (e) {
      throw new Error(`The tray helper ${bin} is not executable and chmod failed (${(e as Error).message}); run: chmod 755 "${bin}"`);
    }
  }
  if (platform === 'darwin') {
    try {
      execFileSync('xattr', ['-d', 'com.apple.quarantine', bin], { stdio: 'ignore' });
    } catch {
      /* no quarantine flag: fine */
    }
  }
  logger?.debug(`tray: helper ${bin}`);
}

function explainStartFailure(reason: string, stderr: string): Error {
  const hints: string[] = [];
  if (/cannot open display/i.test(stderr) || (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY)) {
    hints.push(`no graphical display (DISPLAY=${process.env.DISPLAY ?? 'unset'}); run without the tray (headless) or inside a desktop session`);
  }
  if (/libappindicator|libayatana|libgtk|shared librar/i.test(stderr)) {
    hints.push('a library is missing: on Debian/Ubuntu install libayatana-appindicator3-1 (and libgtk-3-0)');
  }
  if (/EACCES/.test(reason)) hints.push('the helper is not executable');
  if (/-86\b|Bad CPU type/i.test(reason + stderr)) hints.push('macOS needs Rosetta 2 for the x86_64 tray helper: softwareupdate --install-rosetta');
  const tail = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/gdk_window_thaw_toplevel_updates/.test(l))
    .slice(-3)
    .join(' | ');
  return new Error(`The tray icon could not start: ${reason}${tail ? ` (helper said: ${tail})` : ''}${hints.length ? `. Hint: ${hints.join('; ')}` : ''}`);
}

interface SentRow {
  text: string;
  tooltip: string;
  checked: boolean;
  enabled: boolean;
  hidden: boolean;
}

const emptyState = (): TrayState => ({ snapshot: { batteries: [], cycles: 0 }, publishing: false, lowSocThreshold: 0 });

function isJsonLine(line: string): boolean {
  const t = line.trim();
  if (!t.startsWith('{')) return false;
  try {
    JSON.parse(t);
    return true;
  } catch {
    return false;
  }
}

export class TrayApp {
  private model: MenuModel;
  private sentRows: SentRow[];
  private sentMenu: { icon: string; title: string; tooltip: string };
  private readonly iconCache = new Map<string, string>();
  private stopping?: Promise<void>;
  private exited = false;
  private readonly exitHook = () => this.killHelperNow();

  private constructor(
    private readonly tray: SysTrayInstance,
    private readonly items: MenuItem[],
    private readonly opts: TrayStartOptions & { maxBatteries: number; assetsDir: string },
    initial: MenuModel,
  ) {
    this.model = initial;
    this.sentRows = initial.rows.map((r) => ({ text: r.text, tooltip: r.tooltip, checked: r.checked, enabled: r.enabled, hidden: r.hidden }));
    this.sentMenu = { icon: initial.icon, title: initial.title, tooltip: initial.tooltip };
  }

  /** Starts the helper and shows the icon. Rejects with a readable Error if it cannot start within the timeout. */
  static async start(options: TrayStartOptions): Promise<TrayApp> {
    const { logger } = options;
    const opts = {
      ...options,
      maxBatteries: Math.max(1, options.maxBatteries ?? DEFAULT_MAX_BATTERIES),
      assetsDir: options.assetsDir ?? assetsDir(),
    };
    const timeoutMs = options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
    const Tray = options.systrayClass ?? SysTray;
    if (!options.systrayClass) prepareHelper(findHelper(), process.platform, logger);

    const model = buildMenu(options.initialState ?? emptyState(), opts.maxBatteries);
    // One item object per row (rows and items share indexes); children also sit in their parent's `items`.
    const items: MenuItem[] = model.rows.map((r) => TrayApp.toItem(r));
    const top: MenuItem[] = [];
    model.rows.forEach((r, i) => {
      const item = items[i]!;
      if (!r.parent) return void top.push(item);
      const p = items[model.rows.findIndex((x) => x.id === r.parent)];
      if (!p) throw new Error(`tray: row ${r.id} names a missing parent ${r.parent}`);
      (p.items ??= []).push(item);
    });
    const iconData = readFileSync(join(opts.assetsDir, 'icons', iconFile(model.icon))).toString('base64');
    const tray = new Tray({
      menu: { icon: iconData, title: model.title, tooltip: model.tooltip, items: top, isTemplateIcon: false },
      debug: false,
      copyDir: false,
    });
    // Keep systray2's init() rejection from surfacing as unhandled while we wait below.
    tray.ready().catch(() => undefined);

    let stderr = '';
    let settled = false;
    const started = Date.now();
    let proc: ChildProcess | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        const fail = (why: string) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          reject(explainStartFailure(why, stderr));
        };
        const timer = setTimeout(() => fail(`the helper did not report ready within ${timeoutMs} ms`), timeoutMs);
        tray.ready().then(
          () => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            resolve();
          },
          (e: Error) => fail(e?.message ?? String(e)),
        );
        // systray2 spawns the helper a few ticks after the constructor: attach to it as soon as it exists.
        const attach = () => {
          if (settled) return;
          proc = tray.process ?? undefined;
          if (!proc) {
            setTimeout(attach, 2);
            return;
          }
          proc.stderr?.on('data', (d: Buffer) => {
            stderr = (stderr + d.toString()).slice(-4096);
            for (const line of d.toString().split('\n')) {
              if (line.trim() && !/gdk_window_thaw_toplevel_updates/.test(line)) logger.debug(`tray helper: ${line.trim()}`);
            }
          });
          proc.stdin?.on('error', (e) => logger.debug(`tray: helper stdin: ${e.message}`));
          proc.once('exit', (code, signal) => {
            // Let a late stderr chunk arrive before explaining.
            setTimeout(() => fail(`the helper exited (${signal ?? `code ${code}`}) before it was ready`), 50);
          });
          TrayApp.filterNonJson(tray, logger);
        };
        attach();
      });
    } catch (e) {
      try {
        proc?.kill('SIGKILL');
      } catch {
        /* already gone */
      }
      throw e;
    }

    const app = new TrayApp(tray, items, opts, model);
    app.iconCache.set(model.icon, iconData);
    app.watch(proc!);
    await tray.onClick((ev) => app.onClick(ev));
    logger.debug(`tray: ready after ${Date.now() - started} ms (helper pid ${proc?.pid})`);
    return app;
  }

  /** The helper's process id while it runs. */
  get helperPid(): number | undefined {
    return this.exited ? undefined : (this.tray.process?.pid ?? undefined);
  }

  /** The helper is running and the icon should be visible. */
  get alive(): boolean {
    return !this.exited;
  }

  /** The menu as last sent. */
  get menu(): MenuModel {
    return this.model;
  }

  /** Shows a new state: update-item only for rows that changed, update-menu only if icon/title/tooltip changed. */
  update(state: TrayState): void {
    const model = buildMenu(state, this.opts.maxBatteries);
    this.model = model;
    if (this.exited || this.stopping) return;
    model.rows.forEach((r, i) => {
      const prev = this.sentRows[i];
      const item = this.items[i];
      if (!prev || !item) return;
      const next: SentRow = { text: r.text, tooltip: r.tooltip, checked: r.checked, enabled: r.enabled, hidden: r.hidden };
      const changed =
        r.kind === 'separator'
          ? prev.hidden !== next.hidden
          : prev.text !== next.text || prev.tooltip !== next.tooltip || prev.checked !== next.checked || prev.enabled !== next.enabled || prev.hidden !== next.hidden;
      if (!changed) return;
      // Base label every time: systray2 appends " (√)" on Linux and never removes it.
      Object.assign(item, TrayApp.toItem(r));
      // A submenu parent goes out without its children: the helper keeps them, and systray2 would otherwise
      // append checkmarks to their titles again. The copy keeps __id, by which the helper finds the row.
      this.send({ type: 'update-item', item: r.kind === 'submenu' ? { ...item, items: undefined } : item });
      this.sentRows[i] = next;
    });
    const m = this.sentMenu;
    if (m.icon !== model.icon || m.title !== model.title || m.tooltip !== model.tooltip) {
      const icon = this.iconData(model.icon);
      if (icon === undefined) return;
      // No items: the helper ignores them, and systray2 would append checkmarks to our row objects again.
      this.send({ type: 'update-menu', menu: { icon, title: model.title, tooltip: model.tooltip, items: [], isTemplateIcon: false } });
      this.sentMenu = { icon: model.icon, title: model.title, tooltip: model.tooltip };
    }
  }

  /** Removes the icon: asks the helper to exit, waits for it (kills it after a few seconds). Never exits Node. */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    process.removeListener('exit', this.exitHook);
    const proc = this.tray.process;
    if (this.exited || !proc) return;
    const gone = new Promise<void>((r) => proc.once('exit', () => r()));
    this.tray.kill(false).catch(() => undefined);
    const wait = (ms: number) => Promise.race([gone.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms).unref())]);
    if (await wait(STOP_TIMEOUT_MS)) return;
    this.opts.logger.warn('tray: helper did not exit, killing it');
    proc.kill('SIGTERM');
    if (await wait(2_000)) return;
    proc.kill('SIGKILL');
    await wait(2_000);
  }

  private static toItem(r: MenuRow): MenuItem {
    if (r.kind === 'separator') return { title: SEPARATOR, tooltip: '', enabled: true, hidden: r.hidden };
    // A submenu parent is never hidden (the model guarantees it; hiding it could lose the submenu).
    const hidden = r.kind === 'submenu' ? false : r.hidden;
    return { title: r.text, tooltip: r.tooltip, checked: r.checked, enabled: r.enabled, hidden };
  }

  /** The helper prints "Quit" on SIGINT/SIGTERM; systray2 JSON.parses every line without a try. */
  private static filterNonJson(tray: SysTrayInstance, logger: Logger): void {
    const rl = (tray as unknown as { _rl?: EventEmitter })._rl;
    if (!rl) return;
    const emit = rl.emit.bind(rl);
    rl.emit = ((event: string | symbol, ...args: unknown[]) => {
      if (event === 'line' && !isJsonLine(String(args[0]))) {
        logger.debug(`tray helper: ${String(args[0]).trim()}`);
        return false;
      }
      return emit(event, ...args);
    }) as typeof rl.emit;
  }

  private watch(proc: ChildProcess): void {
    process.on('exit', this.exitHook);
    proc.once('exit', (code, signal) => {
      this.exited = true;
      process.removeListener('exit', this.exitHook);
      if (this.stopping) {
        this.opts.logger.debug(`tray: helper exited (${signal ?? `code ${code}`})`);
        return;
      }
      // A signal or a clean exit is usually Ctrl+C / logout reaching the helper too: worth a warning, not an error.
      const how = signal ?? `code ${code}`;
      if (signal || code === 0) this.opts.logger.warn(`Tray helper exited (${how}); the tray icon is gone`);
      else this.opts.logger.error(`Tray helper exited unexpectedly (${how}); the tray icon is gone`);
      try {
        this.opts.onHelperExit?.(code, signal);
      } catch (e) {
        this.opts.logger.error('tray: onHelperExit failed', e);
      }
    });
    proc.on('error', (e) => this.opts.logger.error('tray: helper process error', e));
  }

  private killHelperNow(): void {
    if (this.exited) return;
    try {
      this.tray.process?.kill('SIGTERM');
    } catch {
      /* gone */
    }
  }

  private send(action: Parameters<SysTrayInstance['sendAction']>[0]): void {
    try {
      this.tray.sendAction(action).catch((e: Error) => this.opts.logger.warn('tray: update failed', e));
    } catch (e) {
      this.opts.logger.warn('tray: update failed', e);
    }
  }

  private iconData(name: string): string | undefined {
    let data = this.iconCache.get(name);
    if (data === undefined) {
      try {
        data = readFileSync(join(this.opts.assetsDir, 'icons', iconFile(name))).toString('base64');
        this.iconCache.set(name, data);
      } catch (e) {
        this.opts.logger.warn(`tray: icon ${name} missing`, e);
        return undefined;
      }
    }
    return data;
  }

  private onClick(ev: ClickEvent): void {
    const i = this.items.indexOf(ev.item);
    const row = i >= 0 ? this.model.rows[i] : undefined;
    if (!row) return;
    const line = `tray: clicked ${row.text}`;
    if (process.env.E2E === '1') this.opts.logger.info(line);
    else this.opts.logger.debug(line);
    if (!row.action || !row.enabled || row.hidden) return;
    try {
      const a = this.opts.actions;
      switch (row.action) {
        case 'openSettings':
          a.openSettings(row.arg);
          break;
        case 'toggleGridCharging':
          if (row.arg) a.toggleGridCharging(row.arg);
          break;
        case 'setEmsMode': {
          const [sn, mode] = (row.arg ?? '').split('|');
          if (sn && mode) a.setEmsMode?.(sn, mode);
          break;
        }
        case 'clearSetpoint':
          if (row.arg) a.clearSetpoint?.(row.arg);
          break;
        default:
          a[row.action]();
      }
    } catch (e) {
      this.opts.logger.error(`tray: "${row.text}" failed`, e);
    }
  }
}
