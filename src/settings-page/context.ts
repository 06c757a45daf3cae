/**
 * What every route of the settings server shares: the options it was started with, and the rules about fields
 * that follow from them (set by the environment or fixed by the app: shown read-only, never saved from the page).
 */
import { envNames, SECRET_FIELDS, type SecretField, type Settings } from '../config/app-settings.js';
import { settingsFromEnv } from '../config/env.js';
import type { SecretStore } from '../config/secrets.js';
import type { ConfigStore } from '../config/store.js';
import type { StationControlsView } from '../controls/views.js';
import type { SettingKey, SettingValue } from '../controls/battery-settings.js';
import type { HistoryView } from '../history/history.js';
import type { Logger } from '../log/logger.js';
import { urlPassword } from '../log/mask.js';
import type { StatusView } from './status.js';

/** What the settings page needs of the battery controls (BatteryControls fits). */
export interface SettingsControls {
  stations(): StationControlsView[];
  /** Resolves once the cloud confirmed the value; rejects with an Error whose message is fit for the user. */
  set(sn: string, key: SettingKey, value: SettingValue): Promise<void>;
}

export interface SettingsServerOptions {
  store: ConfigStore;
  secrets: SecretStore;
  logger: Logger;
  /** Fields set by environment variables: shown read-only with a note, never changed by a save. */
  envOverrides?: Set<keyof Settings>;
  /** Throws an Error with a user-readable message. */
  testLogin(email: string, password: string): Promise<{ stations: { sid: number; name: string; batteries: string[] }[] }>;
  /**
   * Throws an Error with a user-readable message. Resolves with the batteries whose own MQTT feed the broker
   * carries (device ids), if it looked.
   */
  testMqtt(url: string, user: string, password: string): Promise<{ found?: string[] } | void>;
  /**
   * After a successful save: the stored settings with the stored passwords filled in (no environment applied).
   * May return the status generation the new settings will run under: the page then waits for that generation's
   * login and broker outcome (GET /api/status) and reports it.
   */
  onSaved(settings: Settings): void | number;
  /** Fields the app fixes (the demo's simulated account and built-in broker): shown read-only, never saved. */
  fixed?: { values: Partial<Settings>; reason: string };
  /** The live status panel (GET /api/status); absent: no panel. */
  status?: () => StatusView;
  /** The battery's day (GET /api/history); absent: no chart. */
  history?: () => HistoryView;
  /** The "Open log" button (POST /api/open-log). */
  openLog?: () => void;
  /** Shown at the top of the page, e.g. where passwords are kept when there is no keychain. */
  secretStorageNote?: string;
  /** For tests: where environment values are read for display (default process.env). */
  env?: Record<string, string | undefined>;
  /** Battery control (the "Battery control" section and POST /api/control); absent: shown as not available. */
  controls?: SettingsControls;
}

export class PageContext {
  readonly log: Logger;
  readonly envFields: ReadonlySet<keyof Settings>;
  readonly fixedValues: Partial<Settings>;

  constructor(readonly opts: SettingsServerOptions) {
    this.log = opts.logger;
    this.envFields = opts.envOverrides ?? new Set();
    this.fixedValues = opts.fixed?.values ?? {};
  }

  private get env(): Record<string, string | undefined> {
    return this.opts.env ?? process.env;
  }

  isFixed(k: keyof Settings): boolean {
    return Object.hasOwn(this.fixedValues, k);
  }

  /** Set by the environment or fixed by the app: shown read-only, never saved from the page. */
  locked(k: keyof Settings): boolean {
    return this.envFields.has(k) || this.isFixed(k);
  }

  /** The variable the page names for a field the environment sets, e.g. `MQTT_URL (or MQTT_BROKER/MQTT_PORT)`. */
  envVarOf(key: keyof Settings): string | undefined {
    // A password inside MQTT_URL is the one in use (see settingsFromEnv).
    const envUrl = this.env.MQTT_URL;
    if (key === 'mqttPassword' && envUrl && urlPassword(envUrl) !== undefined) return 'MQTT_URL';
    const [name, ...others] = envNames(key);
    return name && others.length ? `${name} (or ${others.join('/')})` : name;
  }

  /** Values from the environment for the fields it sets, and the fixed ones (display and tests only; saves never store them). */
  effective(base: Settings): Settings {
    let s = base;
    if (this.envFields.size) {
      try {
        s = settingsFromEnv(this.env, base).settings;
      } catch {
        s = base;
      }
    }
    return { ...s, ...this.fixedValues };
  }

  /** The stored passwords (a store that cannot be read counts as none, with a warning). */
  async storedSecrets(): Promise<Record<SecretField, string | undefined>> {
    const out = {} as Record<SecretField, string | undefined>;
    for (const k of SECRET_FIELDS) {
      try {
        out[k] = (await this.opts.secrets.get(k)) || undefined;
      } catch (err) {
        this.log.warn(`Could not read the stored ${k}`, err);
        out[k] = undefined;
      }
    }
    return out;
  }

  /** The battery controls' view, or undefined when there are none or they cannot be read. */
  controlStations(): StationControlsView[] | undefined {
    if (!this.opts.controls) return undefined;
    try {
      return this.opts.controls.stations();
    } catch (err) {
      this.log.warn('Could not read the battery controls', err);
      return undefined;
    }
  }
}
