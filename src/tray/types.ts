/** What the tray shows and what it can ask the app to do. Shared by the pure model and the systray2 adapter. */
import type { NativeControlView, StationControlsView } from '../controls/views.js';
import type { BridgeSnapshot } from '../core/snapshot.js';

/**
 * A change to the battery that one click only asked for: it runs from the confirming row ("Turn on grid
 * charging", "Switch to MQTT control", "Clear the setpoint") or not at all.
 */
export type PendingChange =
  | { what: 'grid_charging'; sn: string; value: boolean }
  | { what: 'ems_mode'; sn: string; mode: string }
  | { what: 'clear_setpoint'; sn: string };

export interface TrayActions {
  togglePublish(): void;
  refresh(): void;
  /**
   * Opens the settings page; `field` is an anchor on it to scroll to and highlight, e.g.
   * `control-<sn>-input_power` (see settingsAnchor in settings/page.ts). Without it: the top of the page.
   */
  openSettings(field?: string): void;
  /**
   * Switches grid charging of the station whose master battery is `sn` to the opposite of its confirmed value.
   * The tray calls it only from the confirming row ("Turn on grid charging"), never from a single click.
   */
  toggleGridCharging(sn: string): void;
  /** Switches the EMS mode of the master unit `sn` through the battery's own feed. */
  setEmsMode?(sn: string, mode: string): void;
  /** Stops keeping the power setpoint of `sn` alive. */
  clearSetpoint?(sn: string): void;
  /** Turns "Start at login" on or off (the new state comes back through TrayState.autostart). */
  toggleAutostart(): void;
  /** Opens TrayState.logPath with the OS's viewer. */
  openLog(): void;
  quit(): void;
}

export interface TrayState {
  snapshot: BridgeSnapshot;
  /** The "Publish to MQTT" checkbox. */
  publishing: boolean;
  /** Plain words shown after "⚠ " when the broker is the problem, e.g. "MQTT broker unreachable". */
  brokerProblem?: string;
  /** SoC (%) below which the icon turns red. */
  lowSocThreshold: number;
  /** Battery controls per station (BatteryControls.stations()); undefined = battery control not available. */
  controls?: StationControlsView[];
  /** Control through the battery's own feed, per master unit; undefined = not available (cloud source). */
  feedControls?: NativeControlView[];
  /** The last failed or refused battery control write in plain words; shown when nothing more important is. */
  controlError?: string;
  /** The battery (serial) the icon, title and tooltip show; undefined or unknown: the station master, else the first. */
  iconBattery?: string;
  /** A battery change waiting for its confirming click (set by the tray itself, see TrayApp). */
  confirm?: PendingChange;
  /** The outcome of the last battery change, e.g. "✓ Grid charging is on (confirmed 10:02)"; shown as a menu row. */
  controlNotice?: string;
  /** "Start at login" as read back from the OS; undefined = not available here (row hidden). */
  autostart?: boolean;
  /** Why "Start at login" cannot be used here (e.g. "not in the demo"): the row shows disabled with it. */
  autostartBlocked?: string;
  /** The demo runs: the menu header says so. */
  demo?: boolean;
  /** The log file "Open log" opens; undefined = no log file (row hidden). */
  logPath?: string;
}
