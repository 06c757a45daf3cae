/**
 * The tray app: the bridge runs in the background; the tray, the notifier and the settings page are sinks
 * and controls around it. Settings saved on the page restart the bridge with the new values.
 */
import mqtt from 'mqtt';
import { describeMqttError } from '../mqtt/connection.js';
import { CloudClient } from '../cloud/client.js';
import { CloudError } from '../cloud/errors.js';
import type { Settings } from '../config/app-settings.js';
import { DesktopNotifier } from '../notify/notifier.js';
import { AlertPolicy } from '../notify/alerts.js';
import { addSecret, type Logger } from '../log/logger.js';
import { openInBrowser, startSettingsServer } from '../settings-page/server.js';
import { buildStatus } from '../settings-page/status.js';
import { History } from '../history/history.js';
import { join } from 'node:path';
import { TrayApp, type TrayState } from '../tray/tray-app.js';
import { batteryName, confirmedNotice, controlNoticeText, settingWords } from '../tray/menu-model.js';
import { emsModeWords } from '../tray/feed-rows.js';
import { setLanguage, t } from '../i18n/index.js';
import { chooseLanguage } from '../i18n/choose.js';
import { osLanguages } from '../platform/locale.js';
import { iconSpec, type IconSpec } from '../tray/icons.js';
import { writeNotificationIcon } from '../tray/notification-icon.js';
import { cacheDir } from '../platform/paths.js';
import { APP_VERSION, checkedState, createBridge, sessionStore, type Bridge } from './bridge.js';
import { summary } from './headless.js';
import type { Stores } from './stores.js';
import type { BridgeSnapshot } from '../core/snapshot.js';
import type { SettingKey, SettingValue } from '../controls/battery-settings.js';
import { openWithOsViewer } from '../log/file-sink.js';
import { classifyTopic, nativeTopics } from '../native/topics.js';
import { MAX_UNITS } from '../native/source.js';
import { createAutostart, launchCommand } from '../platform/autostart.js';

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
  const log = o.logger;
  let settings = o.settings;
  for (const w of o.stores.warnings) log.warn(w);
  // Fields the page must not change: set by the environment, or fixed by the demo.
  const fromEnv = new Set<keyof Settings>([...o.fromEnv, ...(Object.keys(o.demo?.fixed ?? {}) as (keyof Settings)[])]);
  const history = new History({ dir: join(o.stores.dir, 'history'), logger: log.child('history') });
  o.demo?.backfill?.(history);
  /** Bumped for every bridge built from saved settings: the page waits for its outcome. */
  let generation = 0;
  let lastProblem: { text: string; at: number } | undefined;
  const noteProblem = (text: string | undefined) => {
    if (text) lastProblem = { text, at: Date.now() };
  };

  let bridge: Bridge;
  let snapshot: BridgeSnapshot = { batteries: [], cycles: 0 };
  const alertOptions = (s: Settings) => ({ lowSocThreshold: s.lowSocThreshold, lowSoc: s.notifyLowSoc, login: s.notifyLogin, full: s.notifyFull });
  const alerts = new AlertPolicy(alertOptions(settings));
  const notifier = new DesktopNotifier(log.child('notify'));
  let tray: TrayApp | undefined;
  let settingsPage: Promise<Awaited<ReturnType<typeof startSettingsServer>>> | undefined;
  /** Saves are applied one after another: two quick saves must not leave two bridges running. */
  let applying: Promise<void> = Promise.resolve();
  let lastRefreshAt = 0;
  let quitting = false;
  /** The last battery-control failure started from the tray or the settings page. */
  let controlError: string | undefined;
  /** The last confirmed battery change, for its menu line. */
  let controlNotice: string | undefined;
  /** EMS modes sent from the tray and not yet confirmed by the feed, per master serial. */
  const modeAsked = new Map<string, string>();
  const nameOf = (sn: string) => batteryName(snapshot.batteries.find((b) => b.sn === sn) ?? { sn, stationName: '' });
  // "Start at login" is read back from the OS, not from our config.
  // The demo never enrols anything with the OS: the row shows, disabled, with the reason.
  const autostart = o.demo ? undefined : createAutostart({ command: launchCommand() });
  let autostartOn = autostart ? await autostart.isEnabled().catch(() => undefined) : false;

  const state = (): TrayState => ({
    snapshot,
    publishing: bridge.publisher?.isEnabled ?? false,
    brokerProblem: bridge.publisher?.isEnabled ? bridge.connection?.problem : undefined,
    lowSocThreshold: settings.lowSocThreshold,
    iconBattery: settings.trayBattery || undefined,
    controlNotice,
    controls: bridge.controls?.stations(),
    feedControls: bridge.nativeControls ? snapshot.batteries.flatMap((b) => bridge.nativeControls!.view(b.sn) ?? []) : undefined,
    controlError: controlError ?? bridge.controls?.lastControlError ?? bridge.nativeControls?.lastControlError,
    autostart: autostartOn,
    autostartBlocked: o.demo ? t('menu.notInDemo') : undefined,
    demo: !!o.demo,
    logPath: o.logPath,
  });
  const refreshTray = () => tray?.update(state());
  /** A notification with the tray's current icon (the app's icon, showing the battery's state). */
  /** `logText`: the English words for the log (log lines stay English); default the shown ones. */
  const notify = (title: string, message: string, spec: IconSpec = iconSpec(state()), logText = `${title}: ${message}`) => {
    log.info(`notification: ${logText}`);
    const icon = writeNotificationIcon(spec, cacheDir(), log);
    void notifier.notify(title, message, icon);
  };

  /** Set up enough to run: a Hoymiles login, or the source `native`, which needs none. */
  const hasLogin = (s: Settings) => s.source === 'native' || !!(s.hoymilesEmail && s.hoymilesPassword);
  /**
   * A broker is only contacted once there is something to publish and a broker to publish to: publishing on, or a
   * broker set up and publishing switched off in the tray (that keeps the connection, and battery control, ready).
   * "No broker, tray only" from the first run sets none, so nothing tries localhost:1883.
   */
  const brokerSetUp = () => fromEnv.has('mqttUrl') || o.stores.config.has('mqttUrl');
  const wantsBroker = (s: Settings) => hasLogin(s) && (s.publishEnabled || brokerSetUp());

  function build(s: Settings): Bridge {
    const b = createBridge({
      mqtt: wantsBroker(s),
      settings: s,
      secrets: o.stores.secrets,
      state: o.stores.state,
      logger: log,
      configDir: o.stores.dir,
      wrongPasswordRetryMs: null, // a wrong password waits for new credentials from the settings page
    });
    b.source.on('snapshot', (snap) => {
      snapshot = snap;
      // Not having set up the app yet is no problem worth recalling.
      if (snap.problem && snap.problem.code !== 'no-credentials' && snap.problem.message !== lastProblem?.text) noteProblem(snap.problem.message);
      history.onSnapshot(snap);
      refreshTray();
      for (const a of alerts.evaluate(snap)) notify(a.title, a.message, undefined, a.logText);
    });
    b.connection?.on('status', (p) => {
      noteProblem(p);
      refreshTray();
    });
    b.controls?.on('change', refreshTray);
    b.nativeControls?.on('change', refreshTray);
    // A mode switched from the tray: its confirmation by the feed is reported like a grid charging change.
    b.nativeControls?.on('confirmed', (sn, mode) => {
      if (modeAsked.get(sn) !== mode) return;
      modeAsked.delete(sn);
      controlNotice = confirmedNotice(emsModeWords(mode), Date.now());
      notify(emsModeWords(mode), t('notify.confirmedText', { name: nameOf(sn) }));
      refreshTray();
    });
    b.controls?.on('control-error', refreshTray);
    b.controls?.on('confirmed', () => {
      controlError = undefined;
      refreshTray();
    });
    b.controls?.on('refused', () => {
      controlNotice = undefined;
      refreshTray();
    });
    b.start();
    return b;
  }

  /** A control write from the tray or the settings page; the tray shows "…" while it runs. */
  async function runControl(sn: string, key: SettingKey, value: SettingValue): Promise<void> {
    const c = bridge.controls;
    if (!c) throw new Error('Battery control is not available right now.');
    const pending = c.set(sn, key, value);
    controlNotice = undefined;
    refreshTray();
    const name = nameOf(sn);
    try {
      await pending;
      controlError = undefined;
      const confirmed = c.stations().find((st) => st.sn === sn)?.settings.find((v) => v.key === key)?.value ?? value;
      controlNotice = controlNoticeText(key, confirmed, Date.now());
      notify(settingWords(key, confirmed), t('notify.confirmedText', { name }));
    } catch (e) {
      controlError = e instanceof Error ? e.message : String(e);
      notify(t('notify.notDone', { setting: settingWords(key, value) }), `${name}: ${controlError}`.slice(0, 240));
      throw e;
    } finally {
      refreshTray();
    }
  }

  async function openSettings(field?: string): Promise<void> {
    settingsPage ??= startSettingsServer({
      store: o.stores.config,
      secrets: o.stores.secrets,
      logger: log.child('settings'),
      envOverrides: o.fromEnv,
      fixed: o.demo ? { values: o.demo.fixed, reason: t('page.demoFixed') } : undefined,
      testLogin,
      testMqtt,
      onSaved: (s) => {
        const target = ++generation;
        applying = applying.then(() => applySettings(s, target)).catch((e) => log.error('The new settings could not be applied', e));
        return target;
      },
      status: () => status(),
      history: () => history.view(snapshot.batteries.map((b) => b.sn)),
      openLog: o.logPath ? () => openWithOsViewer(o.logPath!, log) : undefined,
      // Read `bridge` at call time: the page outlives bridges rebuilt after a save.
      controls: {
        stations: () => {
          if (!bridge.controls) throw new Error(t('page.err.needsMqtt'));
          return bridge.controls.stations();
        },
        set: runControl,
      },
      secretStorageNote:
        o.stores.secrets.kind === 'file'
          ? t('page.note.noKeychain', { dir: o.stores.dir })
          : undefined,
    });
    await openInBrowser((await settingsPage).url, log, field);
  }

  /** The bridge that currently runs: its generation, for the page's "what happened after the save". */
  let runningGeneration = 0;
  function status() {
    const c = bridge.connection;
    return buildStatus({
      version: APP_VERSION,
      demo: !!o.demo,
      logPath: o.logPath,
      generation: runningGeneration,
      snapshot,
      broker: c && bridge.publisher?.isEnabled ? { connected: c.connected, problem: c.problem, kind: c.problemKind, where: c.where } : undefined,
      lastProblem,
      now: Date.now(),
      source: settings.source,
    });
  }

  async function applySettings(saved: Settings, target = ++generation): Promise<void> {
    // Environment variables (and the demo's fixed values) still win over what the page saved.
    const next = { ...saved };
    for (const k of fromEnv) (next as unknown as Record<string, unknown>)[k] = settings[k];
    const credentialsChanged = next.hoymilesEmail !== settings.hoymilesEmail || next.hoymilesPassword !== settings.hoymilesPassword;
    settings = next;
    // A language chosen on the page applies at once: the menu below and the page's next render.
    setLanguage(chooseLanguage({ setting: next.language, os: osLanguages() }));
    alerts.options = alertOptions(next);
    log.info('Settings saved: restarting the bridge with them');
    const old = bridge;
    await old.stop().catch((e) => log.warn('The old bridge did not stop cleanly', e));
    if (credentialsChanged) old.cloud?.credentialsChanged();
    bridge = build(next);
    runningGeneration = target;
    snapshot = bridge.source.snapshot();
    refreshTray();
  }

  async function quit(): Promise<void> {
    if (quitting) return;
    quitting = true;
    log.info('Quit: publishing offline and closing');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    await bridge.stop().catch((e) => log.error('Error while stopping', e));
    await settingsPage?.then((p) => p.close()).catch(() => undefined);
    await tray?.stop().catch(() => undefined);
    history.close();
    await o.demo?.cleanup();
    await o.beforeExit?.().catch(() => undefined);
    process.exit(0);
  }

  bridge = build(settings);
  try {
    tray = await TrayApp.start({
      logger: log.child('tray'),
      actions: {
        togglePublish: () => {
          const on = !(bridge.publisher?.isEnabled ?? false);
          try {
            o.stores.config.publishEnabled = on; // the choice survives restarts
          } catch (e) {
            log.warn('Publishing is switched for now, but the choice will not survive a restart', e);
          }
          log.info(`publishing ${on ? 'on' : 'off'}`);
          if (!bridge.publisher && on && hasLogin(settings)) {
            // "Tray only" had no broker connection at all: start the bridge again with one.
            applying = applying.then(() => applySettings({ ...settings, publishEnabled: true })).catch((e) => log.error('Publishing could not be started', e));
            return;
          }
          bridge.publisher?.setEnabled(on);
          settings = { ...settings, publishEnabled: on };
          refreshTray();
        },
        refresh: () => {
          // A click is enough; a burst of clicks must not turn into a burst of cloud requests.
          if (Date.now() - lastRefreshAt < 5_000) return;
          lastRefreshAt = Date.now();
          void bridge.source.refreshNow().catch((e) => log.warn('Refresh failed', e));
        },
        openSettings: (field) => void openSettings(field).catch((e) => log.error('Cannot open the settings page', e)),
        quit: () => void quit(),
        toggleGridCharging: (sn) => {
          const current = bridge.controls?.stations().find((st) => st.sn === sn)?.settings.find((v) => v.key === 'grid_charging')?.value;
          if (typeof current === 'boolean') void runControl(sn, 'grid_charging', !current).catch((e) => log.warn('Grid charging change failed', e));
        },
        setEmsMode: (sn, mode) => {
          try {
            bridge.nativeControls?.setMode(sn, mode);
            controlError = undefined;
            controlNotice = undefined;
            modeAsked.set(sn, mode);
          } catch (e) {
            controlError = (e as Error).message;
            notify(t('notify.notDone', { setting: emsModeWords(mode) }), `${nameOf(sn)}: ${controlError}`.slice(0, 240));
          }
          refreshTray();
        },
        clearSetpoint: (sn) => {
          bridge.nativeControls?.clearSetpoint(sn);
          refreshTray();
        },
        toggleAutostart: () =>
          void (async () => {
            if (!autostart) return;
            try {
              await (autostartOn ? autostart.disable() : autostart.enable());
              log.info(`Start at login ${autostartOn ? 'off' : 'on'} (${autostart.describe()})`);
            } catch (e) {
              log.error('Start at login could not be changed', e);
            }
            autostartOn = await autostart.isEnabled().catch(() => undefined);
            refreshTray();
          })(),
        openLog: () => {
          if (o.logPath) openWithOsViewer(o.logPath, log);
        },
      },
    });
    refreshTray();
    log.info(o.demo ? `Tray started. ${o.demo.describe}` : 'Tray started');
  } catch (e) {
    log.error(`The tray icon cannot be shown (${(e as Error).message}). The bridge keeps running without it; stop it with Ctrl+C.`);
    // Without a tray, say in the log what the tray would have shown.
    let last = '';
    const show = (snap: BridgeSnapshot) => {
      const line = summary(snap);
      if (line !== last) log.info(line);
      last = line;
    };
    show(snapshot);
    bridge.source.on('snapshot', show);
  }

  process.once('SIGINT', () => void quit());
  process.once('SIGTERM', () => void quit());

  if (!hasLogin(settings)) {
    log.info('Waiting for the settings: no Hoymiles login is saved yet. The settings page opens in the browser; later the tray menu (Settings…) or `hoymiles-tray --settings` opens it.');
    await openSettings().catch((e) => log.error('Cannot open the settings page', e));
  }

  return { openSettings: (field) => void openSettings(field).catch((e) => log.error('Cannot open the settings page', e)) };

  async function testLogin(email: string, password: string) {
    addSecret(password);
    const client = new CloudClient({
      baseUrl: settings.apiUrl || undefined,
      credentials: () => ({ email, password }),
      // No token or block of its own; its logins count towards the day's logins (login-guard.ts).
      session: {
        ...sessionStore(o.stores.secrets, checkedState(o.stores.state, log.child('config'))),
        loadToken: async () => undefined,
        saveToken: async () => undefined,
        clearToken: async () => undefined,
        loadLoginBlock: () => undefined,
        saveLoginBlock: () => undefined,
      },
      logger: log.child('test-login'),
      wrongPasswordRetryMs: null,
    });
    try {
      const stations = await client.listStations();
      return { stations: stations.map((s) => ({ sid: s.sid, name: s.name, batteries: s.batteries.map((b) => b.sn) })) };
    } catch (e) {
      // The page shows the cloud's own reason beside ours.
      const said = e instanceof CloudError ? e.detail?.apiMessage : undefined;
      if (said && e instanceof Error) throw new Error(`${e.message} (The Hoymiles cloud said: "${said}")`);
      throw e;
    } finally {
      await client.close();
    }
  }
}

/**
 * Connects once with the given values; resolves when the broker accepts (with the batteries whose own MQTT feed
 * it sees within a moment, "Found MSA-… on your broker"), rejects with words when not.
 */
export function testMqtt(url: string, user: string, password: string, listenMs = 1_500): Promise<{ found: string[] }> {
  addSecret(password);
  return new Promise((resolve, reject) => {
    let client: ReturnType<typeof mqtt.connect>;
    try {
      client = mqtt.connect(url, { username: user || undefined, password: password || undefined, reconnectPeriod: 0, connectTimeout: 5_000, clientId: `hoymiles-tray-test-${process.pid}` });
    } catch (e) {
      reject(new Error(`Invalid broker URL: ${(e as Error).message}`));
      return;
    }
    const found = new Set<string>();
    let listening: NodeJS.Timeout | undefined;
    const done = (err?: Error) => {
      clearTimeout(timer);
      clearTimeout(listening);
      client.end(true);
      if (err) reject(err);
      else resolve({ found: [...found].sort() });
    };
    const timer = setTimeout(() => done(new Error(t('page.err.brokerSilent'))), 6_000);
    client.on('message', (topic) => {
      const t = classifyTopic(topic);
      if (t && (t.what === 'announce' || t.what === 'state') && found.size < MAX_UNITS) found.add(t.dev);
    });
    client.once('connect', () => {
      clearTimeout(timer);
      // The callback keeps an unanswered subscription (the client ends after listenMs) from throwing.
      client.subscribe([nativeTopics.filters[0]!, nativeTopics.filters[3]!], { qos: 0 }, () => undefined);
      listening = setTimeout(() => done(), listenMs);
    });
    client.once('error', (e: Error & { code?: string | number }) => {
      let where = 'broker';
      try {
        where = new URL(url).host;
      } catch {
        /* the URL was checked by mqtt.connect already */
      }
      done(new Error(describeMqttError(e, where).message));
    });
  });
}
