/**
 * The tray app: the bridge runs in the background; the tray, the notifications and the history are sinks in one
 * list with the bridge's own (pipeline.ts), and the settings page is around it. Settings saved on the page
 * rebuild the bridge through that list. The state is explicit and each piece of it held once: the settings in
 * use (`publishEnabled` among them), the control feedback (the control error), the last problem, and which
 * generation of the bridge runs.
 */
import { join } from 'node:path';
import type { Settings } from '../config/app-settings.js';
import type { SettingKey, SettingValue } from '../controls/battery-settings.js';
import { History } from '../history/history.js';
import { chooseLanguage } from '../i18n/choose.js';
import { setLanguage, t } from '../i18n/index.js';
import { openWithOsViewer } from '../log/file-sink.js';
import type { Logger } from '../log/logger.js';
import { AlertPolicy, type AlertOptions } from '../notify/alerts.js';
import { AlertSink, DesktopNotifier } from '../notify/notifier.js';
import { createAutostart, launchCommand, type Autostart } from '../platform/autostart.js';
import { osLanguages } from '../platform/locale.js';
import { cacheDir } from '../platform/paths.js';
import { openInBrowser } from '../settings-page/browser.js';
import { startSettingsServer, type SettingsServer } from '../settings-page/server.js';
import { buildStatus } from '../settings-page/status.js';
import { emsModeWords } from '../tray/feed-rows.js';
import { iconSpec, type IconSpec } from '../tray/icons.js';
import { batteryName } from '../core/names.js';
import { confirmedNotice, controlNoticeText, settingWords } from '../tray/menu-model.js';
import { writeNotificationIcon } from '../tray/notification-icon.js';
import { TraySink, type TrayActions, type TrayState } from '../tray/tray-app.js';
import { APP_VERSION, createBridge, type Bridge } from './bridge.js';
import { testLogin, testMqtt } from './connection-tests.js';
import { ControlFeedback } from './control-feedback.js';
import { LastProblem } from './last-problem.js';
import { Pipeline } from './pipeline.js';
import { onShutdown } from './shutdown.js';
import type { Stores } from './stores.js';
import { SummaryLog } from './summary-log.js';


export interface TrayOptions {
  logger: Logger;
  stores: Stores;
  settings: Settings;
  fromEnv: Set<keyof Settings>;
  demo?: {
    cleanup(): Promise<void>;
    describe: string;
    /** The simulated account and broker: fixed on the page, never saved. */
    fixed: Partial<Settings>;
    /** Fills the history's last day from the simulation, so the chart shows a curve at once. */
    backfill?(history: History): void;
  };
  /** The log file, for "Open log". */
  logPath?: string;
  /** Last words before process.exit (release the single-instance endpoint). */
  beforeExit?: () => Promise<void>;
}

export interface TrayHandle {
  openSettings(field?: string): void;
}

export async function runTray(o: TrayOptions): Promise<TrayHandle> {
  // "Start at login" is read back from the OS, not from our config.
  // The demo never enrols anything with the OS: the row shows, disabled, with the reason.
  const autostart = o.demo ? undefined : createAutostart({ command: launchCommand() });
  const autostartOn = autostart ? await autostart.isEnabled().catch(() => undefined) : false;
  const app = new TrayRun(o, autostart, autostartOn);
  await app.start();
  return { openSettings: (field) => app.openSettings(field) };
}

/** Set up enough to run: a Hoymiles login, or the source `native`, which needs none. */
const hasLogin = (s: Settings) => s.source === 'native' || !!(s.hoymilesEmail && s.hoymilesPassword);
const alertOptions = (s: Settings): AlertOptions => ({ lowSocThreshold: s.lowSocThreshold, lowSoc: s.notifyLowSoc, login: s.notifyLogin, full: s.notifyFull });

class TrayRun {
  private readonly log: Logger;
  /** The settings in use: the one place the app holds them (`publishEnabled` too); the store keeps them for restarts. */
  private settings: Settings;
  /** Fields the page must not change: set by the environment, or fixed by the demo. */
  private readonly pinned: Set<keyof Settings>;
  private readonly history: History;
  private readonly notifier: DesktopNotifier;
  private readonly alerts: AlertSink;
  private readonly feedback: ControlFeedback;
  private readonly problems = new LastProblem();
  private readonly tray: TraySink;
  private readonly pipeline: Pipeline<Bridge>;
  private readonly quit: (why: string) => void;
  private page?: Promise<SettingsServer>;
  /** Bumped for every bridge built from saved settings: the page waits for its outcome. */
  private generation = 0;
  /** The generation of the bridge that runs now. */
  private runningGeneration = 0;
  /** Saves are applied one after another: two quick saves must not leave two bridges running. */
  private applying: Promise<void> = Promise.resolve();
  private lastRefreshAt = 0;

  constructor(
    private readonly o: TrayOptions,
    private readonly autostart: Autostart | undefined,
    private autostartOn: boolean | undefined,
  ) {
    const log = (this.log = o.logger);
    this.settings = o.settings;
    for (const w of o.stores.warnings) log.warn(w);
    this.pinned = new Set<keyof Settings>([...o.fromEnv, ...(Object.keys(o.demo?.fixed ?? {}) as (keyof Settings)[])]);
    this.history = new History({ dir: join(o.stores.dir, 'history'), logger: log.child('history') });
    o.demo?.backfill?.(this.history);
    this.notifier = new DesktopNotifier(log.child('notify'));
    this.alerts = new AlertSink(new AlertPolicy(alertOptions(this.settings)), (a) => this.notify(a.title, a.message, undefined, a.logText));
    this.feedback = new ControlFeedback(() => this.tray.refresh());
    this.tray = new TraySink({ logger: log.child('tray'), actions: this.actions(), state: () => this.state() });
    // The bridge's sinks first (pipeline.ts); the feedback before the tray, so the menu shows what it took over.
    this.pipeline = new Pipeline(this.build(this.settings), log.child('app'), [this.problems, this.history, this.feedback, this.tray, this.alerts]);
    this.quit = onShutdown({ log, stop: () => this.stop() });
  }

  private get bridge(): Bridge {
    return this.pipeline.bridge;
  }

  /** The "Publish to MQTT" checkbox: on in the settings in use, and a publisher to do it. */
  private get publishing(): boolean {
    return !!this.bridge.publisher && this.settings.publishEnabled;
  }

  async start(): Promise<void> {
    const failed = await this.pipeline.start();
    if (failed.includes(this.tray)) {
      this.log.error('The bridge keeps running without the tray icon; stop it with Ctrl+C.');
      // Without a tray, say in the log what the tray would have shown.
      const line = new SummaryLog(this.log);
      line.onSnapshot(this.pipeline.sinks.latest);
      await this.pipeline.sinks.add([line]);
    } else this.log.info(this.o.demo ? `Tray started. ${this.o.demo.describe}` : 'Tray started');
    if (!hasLogin(this.settings)) {
      this.log.info('Waiting for the settings: no Hoymiles login is saved yet. The settings page opens in the browser; later the tray menu (Settings…) or `hoymiles-tray --settings` opens it.');
      await this.showSettings();
    }
  }

  openSettings(field?: string): void {
    void this.showSettings(field);
  }

  // ---- the bridge -----------------------------------------------------------------------------------------

  /**
   * A broker is only contacted once there is something to publish and a broker to publish to: publishing on, or a
   * broker set up and publishing switched off in the tray (that keeps the connection, and battery control, ready).
   * "No broker, tray only" from the first run sets none, so nothing tries localhost:1883.
   */
  private wantsBroker(s: Settings): boolean {
    const brokerSetUp = this.pinned.has('mqttUrl') || this.o.stores.config.has('mqttUrl');
    return hasLogin(s) && (s.publishEnabled || brokerSetUp);
  }

  /** A bridge for `s`, with what the tray follows of it; the pipeline starts it. */
  private build(s: Settings): Bridge {
    const b = createBridge({
      mqtt: this.wantsBroker(s),
      settings: s,
      secrets: this.o.stores.secrets,
      state: this.o.stores.state,
      logger: this.log,
      configDir: this.o.stores.dir,
      wrongPasswordRetryMs: null, // a wrong password waits for new credentials from the settings page
    });
    const refresh = () => this.tray.refresh();
    this.feedback.follow(b.controls, b.nativeControls);
    b.connection?.on('status', (p) => {
      this.problems.note(p);
      refresh();
    });
    b.controls?.on('change', refresh);
    b.nativeControls?.on('change', refresh);
    // A mode switched from the tray: its confirmation by the feed is reported like a grid charging change.
    b.nativeControls?.on('confirmed', (sn, mode) => {
      if (!this.feedback.answered(sn, mode)) return;
      this.feedback.notice = confirmedNotice(emsModeWords(mode), Date.now());
      this.notify(emsModeWords(mode), t('notify.confirmedText', { name: this.nameOf(sn) }));
      refresh();
    });
    return b;
  }

  /** Queues `saved` to be applied after any save still being applied. */
  private apply(saved: Settings, target: number, failure: string): void {
    this.applying = this.applying.then(() => this.applySettings(saved, target)).catch((e) => this.log.error(failure, e));
  }

  private async applySettings(saved: Settings, target: number): Promise<void> {
    // Environment variables (and the demo's fixed values) still win over what the page saved.
    const next = { ...saved };
    for (const k of this.pinned) (next as unknown as Record<string, unknown>)[k] = this.settings[k];
    const credentialsChanged = next.hoymilesEmail !== this.settings.hoymilesEmail || next.hoymilesPassword !== this.settings.hoymilesPassword;
    this.settings = next;
    // A language chosen on the page applies at once: the menu below and the page's next render.
    setLanguage(chooseLanguage({ setting: next.language, os: osLanguages() }));
    this.alerts.policy.options = alertOptions(next);
    this.log.info('Settings saved: restarting the bridge with them');
    await this.pipeline.rebuild((old) => {
      if (credentialsChanged) old.cloud?.credentialsChanged();
      return this.build(next);
    });
    this.runningGeneration = target;
    this.tray.refresh();
  }

  private async stop(): Promise<void> {
    await this.pipeline.stop();
    await this.page?.then((p) => p.close()).catch(() => undefined);
    await this.o.demo?.cleanup();
    await this.o.beforeExit?.().catch(() => undefined);
  }

  // ---- what the tray and the page show --------------------------------------------------------------------

  private state(): TrayState {
    const b = this.bridge;
    const snapshot = this.pipeline.sinks.latest;
    const publishing = this.publishing;
    return {
      snapshot,
      publishing,
      brokerProblem: publishing ? b.connection?.problem : undefined,
      lowSocThreshold: this.settings.lowSocThreshold,
      iconBattery: this.settings.trayBattery || undefined,
      controlNotice: this.feedback.notice,
      controls: b.controls?.stations(),
      feedControls: b.nativeControls ? snapshot.batteries.flatMap((x) => b.nativeControls!.view(x.sn) ?? []) : undefined,
      controlError: this.feedback.error,
      autostart: this.autostartOn,
      autostartBlocked: this.o.demo ? t('menu.notInDemo') : undefined,
      demo: !!this.o.demo,
      logPath: this.o.logPath,
    };
  }

  private status() {
    const c = this.bridge.connection;
    return buildStatus({
      version: APP_VERSION,
      demo: !!this.o.demo,
      logPath: this.o.logPath,
      generation: this.runningGeneration,
      snapshot: this.pipeline.sinks.latest,
      broker: c && this.publishing ? { connected: c.connected, problem: c.problem, kind: c.problemKind, where: c.where } : undefined,
      lastProblem: this.problems.value,
      now: Date.now(),
      source: this.settings.source,
    });
  }

  private nameOf(sn: string): string {
    return batteryName(this.pipeline.sinks.latest.batteries.find((b) => b.sn === sn) ?? { sn, stationName: '' });
  }

  /**
   * A notification with the tray's current icon (the app's icon, showing the battery's state). `logText`: the
   * English words for the log (log lines stay English); default the shown ones.
   */
  private notify(title: string, message: string, spec: IconSpec = iconSpec(this.state()), logText = `${title}: ${message}`): void {
    this.log.info(`notification: ${logText}`);
    const icon = writeNotificationIcon(spec, cacheDir(), this.log);
    void this.notifier.notify(title, message, icon);
  }

  // ---- what the user does ---------------------------------------------------------------------------------

  /** A control write from the tray or the settings page; the tray shows "…" while it runs. */
  private async runControl(sn: string, key: SettingKey, value: SettingValue): Promise<void> {
    const c = this.bridge.controls;
    if (!c) throw new Error('Battery control is not available right now.');
    const pending = c.set(sn, key, value);
    this.feedback.notice = undefined;
    this.tray.refresh();
    const name = this.nameOf(sn);
    try {
      await pending;
      const confirmed = c.value(sn, key) ?? value;
      this.feedback.sent(controlNoticeText(key, confirmed, Date.now()));
      this.notify(settingWords(key, confirmed), t('notify.confirmedText', { name }));
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.feedback.failed(message);
      this.notify(t('notify.notDone', { setting: settingWords(key, value) }), `${name}: ${message}`.slice(0, 240));
      throw e;
    } finally {
      this.tray.refresh();
    }
  }

  private togglePublish(): void {
    const on = !this.publishing;
    try {
      this.o.stores.config.publishEnabled = on; // the choice survives restarts
    } catch (e) {
      this.log.warn('Publishing is switched for now, but the choice will not survive a restart', e);
    }
    this.log.info(`publishing ${on ? 'on' : 'off'}`);
    if (!this.bridge.publisher && on && hasLogin(this.settings)) {
      // "Tray only" had no broker connection at all: start the bridge again with one.
      this.apply({ ...this.settings, publishEnabled: true }, ++this.generation, 'Publishing could not be started');
      return;
    }
    this.settings = { ...this.settings, publishEnabled: on };
    this.bridge.publisher?.setEnabled(on);
    this.tray.refresh();
  }

  private setEmsMode(sn: string, mode: string): void {
    try {
      this.bridge.nativeControls?.setMode(sn, mode);
      this.feedback.askedMode(sn, mode);
    } catch (e) {
      const message = (e as Error).message;
      this.feedback.failed(message);
      this.notify(t('notify.notDone', { setting: emsModeWords(mode) }), `${this.nameOf(sn)}: ${message}`.slice(0, 240));
    }
    this.tray.refresh();
  }

  private async toggleAutostart(): Promise<void> {
    const a = this.autostart;
    if (!a) return;
    try {
      await (this.autostartOn ? a.disable() : a.enable());
      this.log.info(`Start at login ${this.autostartOn ? 'off' : 'on'} (${a.describe()})`);
    } catch (e) {
      this.log.error('Start at login could not be changed', e);
    }
    this.autostartOn = await a.isEnabled().catch(() => undefined);
    this.tray.refresh();
  }

  private actions(): TrayActions {
    return {
      togglePublish: () => this.togglePublish(),
      refresh: () => {
        // A click is enough; a burst of clicks must not turn into a burst of cloud requests.
        if (Date.now() - this.lastRefreshAt < 5_000) return;
        this.lastRefreshAt = Date.now();
        void this.bridge.refreshNow().catch((e) => this.log.warn('Refresh failed', e));
      },
      openSettings: (field) => this.openSettings(field),
      quit: () => this.quit('Quit'),
      toggleGridCharging: (sn) => {
        const current = this.bridge.controls?.value(sn, 'grid_charging');
        if (typeof current === 'boolean') void this.runControl(sn, 'grid_charging', !current).catch((e) => this.log.warn('Grid charging change failed', e));
      },
      setEmsMode: (sn, mode) => this.setEmsMode(sn, mode),
      clearSetpoint: (sn) => {
        this.bridge.nativeControls?.clearSetpoint(sn);
        this.tray.refresh();
      },
      toggleAutostart: () => void this.toggleAutostart(),
      openLog: () => {
        if (this.o.logPath) openWithOsViewer(this.o.logPath, this.log);
      },
    };
  }

  /** Opens the settings page in the browser (started on first use); a failure is logged, never thrown. */
  private async showSettings(field?: string): Promise<void> {
    try {
      this.page ??= this.startPage();
      await openInBrowser((await this.page).url, this.log, field);
    } catch (e) {
      this.log.error('Cannot open the settings page', e);
    }
  }

  private startPage(): Promise<SettingsServer> {
    const o = this.o;
    return startSettingsServer({
      store: o.stores.config,
      secrets: o.stores.secrets,
      logger: this.log.child('settings'),
      envOverrides: o.fromEnv,
      fixed: o.demo ? { values: o.demo.fixed, reason: t('page.demoFixed') } : undefined,
      testLogin: (email, password) => testLogin({ apiUrl: this.settings.apiUrl, stores: o.stores, log: this.log }, email, password),
      testMqtt,
      onSaved: (s) => {
        const target = ++this.generation;
        this.apply(s, target, 'The new settings could not be applied');
        return target;
      },
      status: () => this.status(),
      history: () => this.history.view(this.pipeline.sinks.latest.batteries.map((b) => b.sn)),
      openLog: o.logPath ? () => openWithOsViewer(o.logPath!, this.log) : undefined,
      // Read the bridge at call time: the page outlives bridges rebuilt after a save.
      controls: {
        stations: () => {
          if (!this.bridge.controls) throw new Error(t('page.err.needsMqtt'));
          return this.bridge.controls.stations();
        },
        set: (sn, key, value) => this.runControl(sn, key, value),
      },
      secretStorageNote: o.stores.secrets.kind === 'file' ? t('page.note.noKeychain', { dir: o.stores.dir }) : undefined,
    });
  }
}
