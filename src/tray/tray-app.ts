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
 * Icons are drawn at run time (icons.ts) and cached by state. Toggles use ☑/☐ glyphs on Linux (its checkmark is
 * the suffix above, and nothing at all when unchecked), the native checkmark elsewhere. A click on a battery change
 * (grid charging, EMS mode, clearing the setpoint) only asks: the change runs from the confirming row shown under
 * it ("Turn on grid charging", "Switch to MQTT control"), which this adapter offers for
 * CONFIRM_TIMEOUT_MS (the menu closes after every click, so the confirmation is the next click).
 */
import { accessSync, chmodSync, constants, existsSync } from 'node:fs';
import { execFileSync, type ChildProcess } from 'node:child_process';
import type { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import SysTrayModule from 'systray2';
import type { ClickEvent, MenuItem } from 'systray2';
import type { Sink } from '../core/sink.js';
import type { Logger } from '../log/logger.js';
import { IconCache, moduleDir } from './icons.js';
import { buildMenu, CONFIRM_TIMEOUT_MS, DEFAULT_MAX_BATTERIES, type MenuModel, type ToggleStyle } from './menu-model.js';
import type { MenuRow } from './menu-rows.js';
import type { PendingChange, TrayActions, TrayState } from './types.js';

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
  /** How toggles look (default: 'glyph' on Linux, 'native' elsewhere). */
  toggleStyle?: ToggleStyle;
  /** The OS whose icon format to draw (default: this one). */
  platform?: NodeJS.Platform;
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
 * then the folder of the code (the bundle's folder: build.mjs copies traybin/ beside hoymiles-tray.cjs), then
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

/** "grid charging on", "EMS mode mqtt_ctrl for 2800…", "clear the power setpoint of …" (for the log). */
function describeChange(c: PendingChange): string {
  if (c.what === 'grid_charging') return `grid charging ${c.value ? 'on' : 'off'}`;
  if (c.what === 'ems_mode') return `EMS mode ${c.mode} for ${c.sn}`;
  return `clear the power setpoint of ${c.sn}`;
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
  private readonly icons: IconCache;
  private state: TrayState;
  private confirmTimer?: NodeJS.Timeout;
  private stopping?: Promise<void>;
  private exited = false;
  private readonly exitHook = () => this.killHelperNow();

  private constructor(
    private readonly tray: SysTrayInstance,
    private readonly items: MenuItem[],
    private readonly opts: TrayStartOptions & { maxBatteries: number; toggleStyle: ToggleStyle },
    initial: MenuModel,
    state: TrayState,
    icons: IconCache,
  ) {
    this.model = initial;
    this.state = state;
    this.icons = icons;
    this.sentRows = initial.rows.map((r) => ({ text: r.text, tooltip: r.tooltip, checked: r.checked, enabled: r.enabled, hidden: r.hidden }));
    this.sentMenu = { icon: initial.icon, title: initial.title, tooltip: initial.tooltip };
  }

  /** Starts the helper and shows the icon. Rejects with a readable Error if it cannot start within the timeout. */
  static async start(options: TrayStartOptions): Promise<TrayApp> {
    const { logger } = options;
    const opts = {
      ...options,
      maxBatteries: Math.max(1, options.maxBatteries ?? DEFAULT_MAX_BATTERIES),
      toggleStyle: options.toggleStyle ?? ((options.platform ?? process.platform) === 'linux' ? 'glyph' : 'native'),
    };
    const icons = new IconCache(options.platform ?? process.platform);
    const timeoutMs = options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
    const Tray = options.systrayClass ?? SysTray;
    if (!options.systrayClass) prepareHelper(findHelper(), process.platform, logger);

    const initialState = options.initialState ?? emptyState();
    const model = buildMenu(initialState, opts.maxBatteries, Date.now(), opts.toggleStyle);
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
    const iconData = icons.base64(model.iconSpec);
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

    const app = new TrayApp(tray, items, opts, model, initialState, icons);
    app.watch(proc!);
    await tray.onClick((ev) => app.onClick(ev));
    logger.debug(`tray: ready after ${Date.now() - started} ms (helper pid ${proc?.pid})`);
    app.logIcon(model.icon);
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
    this.state = state;
    this.render();
  }

  /** The confirmation waiting for its click, if any (the adapter's own state, merged into the app's). */
  private confirm?: PendingChange;

  private render(): void {
    const model = buildMenu({ ...this.state, confirm: this.confirm }, this.opts.maxBatteries, Date.now(), this.opts.toggleStyle);
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
      const icon = this.iconData(model);
      if (icon === undefined) return;
      if (m.icon !== model.icon) this.logIcon(model.icon);
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
    clearTimeout(this.confirmTimer);
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

  private iconData(model: MenuModel): string | undefined {
    try {
      return this.icons.base64(model.iconSpec);
    } catch (e) {
      this.opts.logger.warn(`tray: icon ${model.icon} could not be drawn`, e);
      return undefined;
    }
  }

  /** "tray: icon 57-discharge" (debug; info under E2E=1, which the tests and the benchmark read). */
  private logIcon(key: string): void {
    const line = `tray: icon ${key}`;
    if (process.env.E2E === '1') this.opts.logger.info(line);
    else this.opts.logger.debug(line);
  }

  /** Shows the confirming rows ("Turn on grid charging" / "Cancel") for the change a row asks for, for a while. */
  private ask(c: PendingChange): void {
    this.setConfirm(c);
    this.opts.logger.info(`tray: ${describeChange(c)}? waiting for the confirming click`);
  }

  /** Runs the change waiting for its confirmation, if the model still offered it (the row clicked was shown). */
  private runConfirmed(a: TrayActions): void {
    const c = this.confirm;
    this.setConfirm(undefined);
    if (!c) return;
    this.opts.logger.info(`tray: ${describeChange(c)}: confirmed`);
    if (c.what === 'grid_charging') a.toggleGridCharging(c.sn);
    else if (c.what === 'ems_mode') a.setEmsMode?.(c.sn, c.mode);
    else a.clearSetpoint?.(c.sn);
  }

  private setConfirm(c: PendingChange | undefined): void {
    clearTimeout(this.confirmTimer);
    this.confirm = c;
    if (c) {
      this.confirmTimer = setTimeout(() => this.setConfirm(undefined), CONFIRM_TIMEOUT_MS);
      this.confirmTimer.unref?.();
    }
    this.render();
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
        case 'askConfirm':
          if (row.asks) this.ask(row.asks);
          break;
        case 'cancelConfirm':
          this.opts.logger.info('tray: battery change cancelled');
          this.setConfirm(undefined);
          break;
        case 'confirmChange':
          this.runConfirmed(a);
          break;
        case 'openSettings':
          a.openSettings(row.arg);
          break;
        case 'toggleGridCharging':
        case 'setEmsMode':
        case 'clearSetpoint':
          // Never from a single click: only through the confirming row.
          break;
        default:
          a[row.action]();
      }
    } catch (e) {
      this.opts.logger.error(`tray: "${row.text}" failed`, e);
    }
  }
}

/**
 * The tray as a sink: start() brings up the helper and the icon, each snapshot redraws the menu with the state
 * the app composes (`state`), and refresh() redraws it for what changes elsewhere (a control, a setting).
 */
export class TraySink implements Sink {
  readonly name = 'tray icon';
  private app?: TrayApp;
  private starting?: Promise<TrayApp>;

  constructor(private readonly opts: TrayStartOptions & { state: () => TrayState }) {}

  async start(): Promise<void> {
    this.starting = TrayApp.start(this.opts);
    this.app = await this.starting;
    this.refresh();
  }

  async stop(): Promise<void> {
    // A quit while the helper is still coming up takes it along once it is there.
    const app = this.app ?? (await this.starting?.catch(() => undefined));
    this.app = undefined;
    await app?.stop();
  }

  onSnapshot(): void {
    this.refresh();
  }

  refresh(): void {
    this.app?.update(this.opts.state());
  }
}
