/**
 * What the tray and the settings page see of the controls: plain data, filled in by the cloud's
 * (battery-controls.ts) and the feed's (native/controls.ts) controllers, and where a setting's field is on the page.
 */
import { sanitizeId } from '../mqtt/topics.js';
import type { EmsMode, NumberRange, SettingKey, SettingValue } from './battery-settings.js';

/** The page's field of one battery setting, e.g. `control-HMSA2TEST01-input_power` (serial reduced to [A-Za-z0-9_-]); the tray links to it. */
export function controlAnchor(sn: string, key: SettingKey): string {
  return `control-${sanitizeId(sn)}-${key}`;
}

export interface SettingView {
  key: SettingKey;
  /** The English label (log lines); pages and menus take the row's i18n label. */
  label: string;
  /** undefined: not read yet; false: the station refused to read it. */
  supported?: boolean;
  /** The last cloud-confirmed value; undefined = unknown. */
  value?: SettingValue;
  range?: NumberRange;
  /** A write of this setting is running or waiting. */
  writing: boolean;
  /** Why the setting cannot be written right now, if it cannot. */
  blocked?: string;
}

export interface StationControlsView {
  sid: number;
  /** The master battery's serial: the one the controls are attached to. */
  sn: string;
  stationName: string;
  settings: SettingView[];
  lastReadAt?: number;
}

/** A master unit's control through the battery's own feed. */
export interface NativeControlView {
  sn: string;
  dev: string;
  mode?: EmsMode;
  /** The mode sent and not yet confirmed by the feed. */
  pendingMode?: EmsMode;
  setpoint?: number;
  confirmedSetpoint?: number;
  range: NumberRange;
  /** The setpoint is re-sent every 30 s right now. */
  keepingAlive: boolean;
}
