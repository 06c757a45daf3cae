/**
 * The tray menu as data: every row's exact text, plus icon, tooltip and macOS title. Pure: the same state (and
 * `now`) always gives the same model, and the row list has a fixed shape for a given maxBatteries, because
 * systray2 cannot add rows after start (unused rows are hidden instead).
 */
import type { SettingView, StationControlsView } from '../controls/battery-controls.js';
import type { BatteryReading, Problem } from '../core/snapshot.js';
import { controlAnchor } from '../settings/anchors.js';
import { batteryStatus, iconName, isErrorState, primaryBattery } from './icons.js';
import type { TrayActions, TrayState } from './types.js';
import { feedControlRows } from './feed-rows.js';

export const DEFAULT_MAX_BATTERIES = 4;
/** Master units with control through the feed shown in the tray (one per system; Home Assistant has them all). */
export const FEED_CONTROL_SLOTS = 2;
/** Shown for every value that is not known: never a made-up 0. */
export const MISSING = '–';
/** Windows cuts tooltips at 127 characters. */
export const TOOLTIP_MAX = 127;

/** 'submenu': a parent whose children are the rows naming it as `parent`; never hidden (disabled instead). */
export type RowKind = 'text' | 'separator' | 'checkbox' | 'action' | 'submenu';

export interface MenuRow {
  /**
   * Stable key: b<i>.gap (i ≥ 1), b<i>.header|soc|power|today|temp|updated, sep.controls, controls (submenu) with
   * its children c<j>.header|grid_charging|input_power|reserve_soc, sep.main, problem, publish, refresh, autostart,
   * log, settings, sep.quit, quit. Separators are never hidden (the helper cannot hide them).
   */
  id: string;
  kind: RowKind;
  text: string;
  tooltip: string;
  enabled: boolean;
  hidden: boolean;
  checked: boolean;
  action?: keyof TrayActions;
  /** The action's argument: the serial for toggleGridCharging, the page anchor for openSettings. */
  arg?: string;
  /** The id of the submenu row this row belongs to (undefined: top level). */
  parent?: string;
}

export interface MenuModel {
  rows: MenuRow[];
  /** Icon name without extension (see icons.ts). */
  icon: string;
  /** One-line summary (Windows, macOS). */
  tooltip: string;
  /** Text beside the icon in the macOS menu bar. */
  title: string;
}

export const LABELS = {
  controls: 'Battery control',
  gridCharging: 'Grid charging',
  publish: 'Publish to MQTT',
  refresh: 'Refresh now',
  autostart: 'Start at login',
  openLog: 'Open log',
  settings: 'Settings…',
  quit: 'Quit',
} as const;

const pad = (n: number) => String(n).padStart(2, '0');
/** Local HH:MM:SS. */
export function clock(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}
/** Local HH:MM. */
export function clockHM(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
function sameLocalDay(a: number, b: number): boolean {
  const x = new Date(a);
  const y = new Date(b);
  return x.getFullYear() === y.getFullYear() && x.getMonth() === y.getMonth() && x.getDate() === y.getDate();
}
function localDate(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

const known = (v: number | undefined): v is number => v !== undefined && Number.isFinite(v);
/** U+2212 for negative numbers, as in the rest of the menu. */
const signed = (s: string) => s.replace(/^-/, '−');

export function socText(soc: number | undefined): string {
  return known(soc) ? `${Math.round(soc)} %` : MISSING;
}

function watts(p: number | undefined): string {
  return known(p) ? `${Math.round(Math.abs(p))} W` : `${MISSING} W`;
}

/** "Charging 245 W", "Discharging 310 W", "Standby", or "Power: –". */
export function powerWords(b: Pick<BatteryReading, 'status' | 'batteryPower'>): string {
  switch (batteryStatus(b)) {
    case 'charge':
      return `Charging ${watts(b.batteryPower)}`;
    case 'discharge':
      return `Discharging ${watts(b.batteryPower)}`;
    case 'standby':
      return 'Standby';
    case 'lock':
      return 'Locked'; // the battery's own feed only; the firmware does not say what it means
    default:
      return `Power: ${MISSING}`;
  }
}

/** Wh below 1000, kWh with two decimals from 1000 on. */
export function energyText(wh: number | undefined): string {
  if (!known(wh)) return MISSING;
  const a = Math.abs(wh);
  return a >= 1000 ? `${(a / 1000).toFixed(2)} kWh` : `${Math.round(a)} Wh`;
}

export function todayText(b: Pick<BatteryReading, 'chargedToday' | 'dischargedToday'>): string {
  const c = b.chargedToday;
  const d = b.dischargedToday;
  if (!known(c) && !known(d)) return `Today: ${MISSING}`;
  const charged = known(c) ? `+${energyText(c)} charged` : `${MISSING} charged`;
  const discharged = known(d) ? `−${energyText(d)} discharged` : `${MISSING} discharged`;
  return `Today: ${charged}, ${discharged}`;
}

export function temperatureText(t: number | undefined): string {
  return `Temperature: ${known(t) ? `${signed(t.toFixed(1))} °C` : MISSING}`;
}

export function updatedText(b: Pick<BatteryReading, 'updatedAt' | 'fresh'> | undefined, now: number): string {
  if (!b || !known(b.updatedAt)) return 'Not updated yet';
  const when = sameLocalDay(b.updatedAt, now) ? clock(b.updatedAt) : `${localDate(b.updatedAt)} ${clock(b.updatedAt)}`;
  return `Updated ${when}${b.fresh ? '' : ' (stale)'}`;
}

export function headerText(b: Pick<BatteryReading, 'sn' | 'stationName'> | undefined): string {
  if (!b) return 'Hoymiles MS-A2';
  if (b.sn) return `MS-A2 ${b.sn}`;
  return b.stationName || 'MS-A2';
}

export interface ProblemLine {
  /** The menu row, e.g. "⚠ Wrong Hoymiles password – open Settings". */
  text: string;
  /** For the tooltip, e.g. "Wrong Hoymiles password". */
  short: string;
  /** The full message (row tooltip). */
  detail: string;
  /** The user can fix it in Settings: the row opens them. */
  fixInSettings: boolean;
}

function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1).trimEnd()}…`;
}

export function cloudProblemLine(p: Problem): ProblemLine {
  const line = (short: string, hint: string, fixInSettings: boolean): ProblemLine => ({
    text: `⚠ ${short}${hint ? ` – ${hint}` : ''}`,
    short,
    detail: p.message,
    fixInSettings,
  });
  switch (p.code) {
    case 'no-credentials':
      return line('No Hoymiles login', 'open Settings', true);
    case 'wrong-password':
      return line('Wrong Hoymiles password', 'open Settings', true);
    case 'daily-limit':
      return line('Daily login limit', known(p.retryAt) ? `retrying after ${clockHM(p.retryAt)}` : 'retrying later', false);
    case 'login-paused':
      return line('Logins paused', known(p.retryAt) ? `next try after ${clockHM(p.retryAt)}` : 'retrying later', false);
    case 'login-rejected':
      return /locked/i.test(p.message)
        ? line('Hoymiles account locked', 'unlock it in S-Miles Home', false)
        : line('Hoymiles rejected the login', 'update hoymiles-tray', false);
    case 'cloud-unreachable':
      return line('Cloud unreachable', 'retrying', false);
    case 'cloud-error':
      return line('Hoymiles cloud error', 'retrying', false);
    case 'no-battery':
      return line('No MS-A2 battery found', 'open Settings', true);
    default:
      return line(truncate(p.message || 'Unknown problem', 60), '', false);
  }
}

/** "⚠ Battery control failed: the battery could not switch grid charging on: timeout" (cut to fit a menu). */
export function controlProblemLine(message: string): ProblemLine | undefined {
  const m = message.trim().replace(/^\u26a0\s*/, '').replace(/\.$/, '');
  if (!m) return undefined;
  const short = 'Battery control failed';
  const reason = /^[A-Z][a-z]/.test(m) ? m.charAt(0).toLowerCase() + m.slice(1) : m;
  return { text: `⚠ ${truncate(`${short}: ${reason}`, 100)}`, short, detail: message.trim(), fixInSettings: false };
}

/**
 * The one problem line, or undefined when all is well. Settings-fixable cloud problems, then the broker, then
 * the other cloud problems, then a failed battery control write (often a consequence of the ones before).
 */
export function problemLine(state: TrayState): ProblemLine | undefined {
  const cloud = state.snapshot.problem ? cloudProblemLine(state.snapshot.problem) : undefined;
  const brokerText = state.brokerProblem?.trim().replace(/^\u26a0\s*/, '');
  const broker: ProblemLine | undefined = brokerText
    ? { text: `⚠ ${truncate(brokerText, 60)}`, short: truncate(brokerText, 60), detail: brokerText, fixInSettings: true }
    : undefined;
  if (cloud?.fixInSettings) return cloud;
  return broker ?? cloud ?? (state.controlError ? controlProblemLine(state.controlError) : undefined);
}

function settingOf(st: StationControlsView, key: SettingView['key']): SettingView | undefined {
  return st.settings.find((x) => x.key === key);
}

function numberText(v: SettingView | undefined, unit: string): string {
  return typeof v?.value === 'number' && Number.isFinite(v.value) ? `${v.value} ${unit}` : MISSING;
}

/** The rows of one station's group in the Battery control submenu (slot j). `st` undefined: all hidden. */
function controlRows(j: number, st: StationControlsView | undefined, showHeader: boolean): MenuRow[] {
  const parent = 'controls';
  const on = (v: SettingView | undefined): v is SettingView => !!st && v?.supported === true;
  const gc = st && settingOf(st, 'grid_charging');
  const ip = st && settingOf(st, 'input_power');
  const rs = st && settingOf(st, 'reserve_soc');
  const where = st ? (st.stationName ? `${st.stationName} (${st.sn})` : st.sn) : '';

  let gcText: string = LABELS.gridCharging;
  let gcEnabled = false;
  let gcTip = '';
  if (on(gc)) {
    if (gc.writing) {
      gcText = `${LABELS.gridCharging}…`;
      gcTip = 'Waiting for the battery to confirm the change';
    } else if (typeof gc.value !== 'boolean') {
      gcText = `${LABELS.gridCharging}: ${MISSING}`;
      gcTip = gc.blocked ?? 'Not known yet';
    } else if (gc.blocked) {
      gcTip = gc.blocked;
    } else {
      gcEnabled = true;
      gcTip = `Charge ${where} from the grid: click to switch it ${gc.value ? 'off' : 'on'}`;
    }
  }
  const numberRow = (id: 'input_power' | 'reserve_soc', v: SettingView | undefined, label: string, unit: string, what: string): MenuRow =>
    row(`c${j}.${id}`, 'action', `${label}: ${numberText(v, unit)}${v?.writing ? ' (applying…)' : ''}…`, {
      hidden: !on(v),
      parent,
      action: 'openSettings',
      arg: st ? controlAnchor(st.sn, id) : undefined,
      tooltip: on(v) ? (v.blocked ?? `${what} of ${where}: click to change it on the settings page`) : '',
    });
  return [
    row(`c${j}.header`, 'text', st ? (st.sn ? `MS-A2 ${st.sn}` : st.stationName || 'MS-A2') : '', { hidden: !st || !showHeader, parent, tooltip: st?.stationName ?? '' }),
    row(`c${j}.grid_charging`, 'checkbox', gcText, {
      hidden: !on(gc),
      parent,
      checked: on(gc) && gc.value === true,
      enabled: gcEnabled,
      action: 'toggleGridCharging',
      arg: st?.sn,
      tooltip: gcTip,
    }),
    numberRow('input_power', ip, 'Input power', 'W', 'On-grid input power'),
    numberRow('reserve_soc', rs, 'Reserve', '%', 'Reserve state of charge'),
  ];
}

/** The Battery control parent and its children: one group per station (up to `slots`), fixed in number. */
function controlsRows(state: TrayState, slots: number): MenuRow[] {
  const stations = state.controls ?? [];
  const useful = (st: StationControlsView) => st.settings.some((v) => v.supported === true);
  const shown = stations.slice(0, slots).map((st) => (useful(st) ? st : undefined));
  const groups = shown.filter(Boolean).length;
  const children: MenuRow[] = [];
  for (let j = 0; j < slots; j++) children.push(...controlRows(j, shown[j], groups > 1));

  const feed = feedControlRows(state.feedControls, Math.min(slots, FEED_CONTROL_SLOTS), row);
  const feedGroups = state.feedControls?.length ?? 0;
  let text: string = LABELS.controls;
  let tooltip = 'Grid charging, input power and reserve of the battery';
  if (feedGroups && !groups) tooltip = "EMS mode and power setpoint through the battery's own MQTT feed";
  else if (!state.controls) {
    text = `${LABELS.controls} (unavailable)`;
    tooltip = 'Battery control is not available right now';
  } else if (!groups) {
    const pending = !stations.length || stations.some((st) => st.settings.some((v) => v.supported === undefined));
    text = `${LABELS.controls} (${pending ? 'reading…' : 'not supported'})`;
    tooltip = pending ? 'Reading the battery settings from the Hoymiles cloud' : 'The Hoymiles cloud offers no battery settings for this station';
  }
  // Never hidden: hiding a row with a submenu can lose the submenu (systray2 known issue); disabled instead.
  return [row('controls', 'submenu', text, { enabled: groups > 0 || feedGroups > 0, tooltip }), ...children, ...feed];
}

function row(id: string, kind: RowKind, text: string, extra: Partial<MenuRow> = {}): MenuRow {
  return { id, kind, text, tooltip: '', enabled: kind === 'action' || kind === 'checkbox', hidden: false, checked: false, ...extra };
}

export function tooltipText(state: TrayState, problem = problemLine(state)): string {
  const b = primaryBattery(state.snapshot);
  const parts = b ? [`MS-A2 ${known(b.soc) ? socText(b.soc) : MISSING}`, powerWords(b)] : ['MS-A2', 'waiting for data'];
  if (b && !b.fresh && known(b.updatedAt)) parts.push('stale');
  if (problem) parts.push(`⚠ ${problem.short}`);
  if (!state.publishing) parts.push('MQTT off');
  return truncate(parts.join(' · '), TOOLTIP_MAX);
}

/** macOS menu-bar text: "57 % ↓310 W", "57 % ↑245 W", "57 %", "⚠", or "" before the first reading. */
export function titleText(state: TrayState): string {
  if (isErrorState(state.snapshot)) return '⚠';
  const b = primaryBattery(state.snapshot);
  if (!b) return '';
  const soc = socText(b.soc);
  const status = batteryStatus(b);
  const w = known(b.batteryPower) ? String(Math.round(Math.abs(b.batteryPower))) : MISSING;
  if (status === 'charge') return `${soc} ↑${w} W`;
  if (status === 'discharge') return `${soc} ↓${w} W`;
  return soc;
}

/** The whole menu for a state. `now` only decides whether "Updated" needs a date. */
export function buildMenu(state: TrayState, maxBatteries: number = DEFAULT_MAX_BATTERIES, now: number = Date.now()): MenuModel {
  const n = Math.max(1, Math.floor(maxBatteries));
  const rows: MenuRow[] = [];
  const batteries = state.snapshot.batteries;
  for (let i = 0; i < n; i++) {
    const b = batteries[i];
    // Block 0 is always shown (with dashes before the first reading); the others only for real batteries.
    const hidden = i > 0 && !b;
    // A blank row between blocks: the helper cannot hide separators (getlantern's AddSeparator has no handle).
    if (i > 0) rows.push(row(`b${i}.gap`, 'text', '', { hidden }));
    rows.push(
      row(`b${i}.header`, 'text', `${i === 0 && state.demo ? 'Demo · ' : ''}${headerText(b)}`, { hidden, tooltip: b?.stationName ?? '' }),
      row(`b${i}.soc`, 'text', `State of charge: ${socText(b?.soc)}`, { hidden }),
      row(`b${i}.power`, 'text', b ? powerWords(b) : `Power: ${MISSING}`, { hidden }),
      row(`b${i}.today`, 'text', b ? todayText(b) : `Today: ${MISSING}`, { hidden }),
      row(`b${i}.temp`, 'text', temperatureText(b?.temperature), { hidden }),
      row(`b${i}.updated`, 'text', updatedText(b, now), { hidden }),
    );
  }
  const problem = problemLine(state);
  rows.push(row('sep.controls', 'separator', ''), ...controlsRows(state, n));
  rows.push(
    row('sep.main', 'separator', ''),
    row('problem', problem?.fixInSettings ? 'action' : 'text', problem?.text ?? '', {
      hidden: !problem,
      tooltip: problem?.detail ?? '',
      action: problem?.fixInSettings ? 'openSettings' : undefined,
    }),
    row('publish', 'checkbox', LABELS.publish, { checked: state.publishing, action: 'togglePublish', tooltip: 'Send readings to the MQTT broker' }),
    row('refresh', 'action', LABELS.refresh, { action: 'refresh' }),
    row('autostart', 'checkbox', state.autostartBlocked ? `${LABELS.autostart} (${state.autostartBlocked})` : LABELS.autostart, {
      hidden: state.autostart === undefined && !state.autostartBlocked,
      checked: state.autostart === true && !state.autostartBlocked,
      enabled: !state.autostartBlocked,
      action: state.autostartBlocked ? undefined : 'toggleAutostart',
      tooltip: state.autostartBlocked ? `Start at login is ${state.autostartBlocked}` : 'Start hoymiles-tray when you log in',
    }),
    row('log', 'action', LABELS.openLog, { hidden: state.logPath === undefined, action: 'openLog', tooltip: state.logPath ?? '' }),
    row('settings', 'action', LABELS.settings, { action: 'openSettings' }),
    row('sep.quit', 'separator', ''),
    row('quit', 'action', LABELS.quit, { action: 'quit' }),
  );
  return { rows, icon: iconName(state), tooltip: tooltipText(state, problem), title: titleText(state) };
}
