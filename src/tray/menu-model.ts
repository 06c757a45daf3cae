/**
 * The tray menu as data: every row's exact text, plus icon, tooltip and macOS title. Pure: the same state (and
 * `now`) always gives the same model, and the row list has a fixed shape for a given maxBatteries, because
 * systray2 cannot add rows after start (unused rows are hidden instead).
 */
import { CLOUD_CONTROLS, shortName, valueWithUnit, type SettingKey } from '../controls/battery-settings.js';
import { controlAnchor, type SettingView, type StationControlsView } from '../controls/views.js';
import type { BatteryReading, Problem } from '../core/snapshot.js';
import { batteryName } from '../core/names.js';
import { CONTROLS_ANCHOR } from '../config/page-sections.js';
import { batteryStatus, iconKey, iconSpec, isErrorState, primaryBattery, type IconSpec } from './icons.js';
import type { PendingChange, TrayState } from './types.js';
import { feedControlRows } from './feed-rows.js';
import { confirmRows, row, type MenuRow } from './menu-rows.js';
import { formatDate, formatNumber, formatTime, language, t } from '../i18n/index.js';


export const DEFAULT_MAX_BATTERIES = 4;
/** Master units with control through the feed shown in the tray (one per system; Home Assistant has them all). */
export const FEED_CONTROL_SLOTS = 2;
/** Shown for every value that is not known: never a made-up 0. */
export const MISSING = '–';
/** Windows cuts tooltips at 127 characters. */
export const TOOLTIP_MAX = 127;
/** A pending confirmation (Grid charging: off ▸ Turn on / Cancel) is dropped after this long. */
export const CONFIRM_TIMEOUT_MS = 30_000;

/**
 * How toggles look. 'native': the OS's own checkmark (Windows, macOS). 'glyph': a ☑/☐ in the text and no
 * checkmark (Linux: systray2 shows a checked row as a "(√)" suffix, and nothing when unchecked).
 */
export type ToggleStyle = 'native' | 'glyph';
export const CHECKED = '☑';
export const UNCHECKED = '☐';

export interface MenuModel {
  rows: MenuRow[];
  /** The icon's cache key (see icon-art.ts iconKey). */
  icon: string;
  /** What the icon shows. */
  iconSpec: IconSpec;
  /** One-line summary (Windows, macOS). */
  tooltip: string;
  /** Text beside the icon in the macOS menu bar. */
  title: string;
}

/** The fixed row labels, in the current language. */
export const LABELS = {
  get controls() { return t('menu.controls'); },
  get gridCharging() { return shortName(CLOUD_CONTROLS.grid_charging); },
  get publish() { return t('menu.publish'); },
  get refresh() { return shortName(CLOUD_CONTROLS.refresh); },
  get autostart() { return t('menu.autostart'); },
  get openLog() { return t('menu.openLog'); },
  get settings() { return t('menu.settings'); },
  get quit() { return t('menu.quit'); },
};

/** Local HH:MM:SS (24 hours in every language). */
export function clock(ms: number): string {
  return formatTime(ms, true);
}
/** Local HH:MM. */
export function clockHM(ms: number): string {
  return formatTime(ms, false);
}
function sameLocalDay(a: number, b: number): boolean {
  const x = new Date(a);
  const y = new Date(b);
  return x.getFullYear() === y.getFullYear() && x.getMonth() === y.getMonth() && x.getDate() === y.getDate();
}
function localDate(ms: number): string {
  return formatDate(ms);
}

const known = (v: number | undefined): v is number => v !== undefined && Number.isFinite(v);
/** U+2212 for negative numbers, as in the rest of the menu. */
const signed = (s: string) => s.replace(/^-/, '−');
const onOff = (on: boolean) => t(on ? 'menu.on' : 'menu.off');

export function socText(soc: number | undefined): string {
  return known(soc) ? `${formatNumber(Math.round(soc))} %` : MISSING;
}

function watts(p: number | undefined): string {
  return known(p) ? `${Math.round(Math.abs(p))} W` : `${MISSING} W`;
}

/** "420 W", "1.2 kW" / "1,2 kW" (from 1000 W on); negative numbers with U+2212. */
export function powerText(w: number): string {
  const a = Math.abs(w);
  const sign = w < 0 && Math.round(a) > 0 ? '−' : '';
  return a >= 1000 ? `${sign}${formatNumber(a / 1000, 1)} kW` : `${sign}${Math.round(a)} W`;
}

/** "Charging 245 W", "Discharging 310 W", "Standby", or "Power: –". */
export function powerWords(b: Pick<BatteryReading, 'status' | 'batteryPower'>): string {
  switch (batteryStatus(b)) {
    case 'charge':
      return t('menu.charging', { power: watts(b.batteryPower) });
    case 'discharge':
      return t('menu.discharging', { power: watts(b.batteryPower) });
    case 'standby':
      return t('menu.standby');
    case 'lock':
      return t('menu.locked'); // the battery's own feed only; the firmware does not say what it means
    default:
      return t('menu.power', { value: MISSING });
  }
}

/** "Solar 1.2 kW · Grid −420 W · House 380 W" (grid: + = import, − = export); only what the data has. */
export function flowText(b: Pick<BatteryReading, 'pvPower' | 'gridPower' | 'loadPower'>): string {
  const parts: string[] = [];
  if (known(b.pvPower)) parts.push(t('menu.solar', { power: powerText(b.pvPower) }));
  if (known(b.gridPower)) parts.push(t('menu.grid', { power: powerText(b.gridPower) }));
  if (known(b.loadPower)) parts.push(t('menu.house', { power: powerText(b.loadPower) }));
  return parts.join(' · ');
}

/** Wh below 1000, kWh with two decimals from 1000 on; `unit` forces one. */
export function energyText(wh: number | undefined, unit?: 'Wh' | 'kWh'): string {
  if (!known(wh)) return MISSING;
  const a = Math.abs(wh);
  return (unit ?? (a >= 1000 ? 'kWh' : 'Wh')) === 'kWh' ? `${formatNumber(Math.round(a / 10) / 100, 2)} kWh` : `${Math.round(a)} Wh`;
}

/** "Today: +0.29 kWh charged, −0.74 kWh discharged": one unit for both (kWh as soon as either reaches 100 Wh). */
export function todayText(b: Pick<BatteryReading, 'chargedToday' | 'dischargedToday'>): string {
  const c = b.chargedToday;
  const d = b.dischargedToday;
  if (!known(c) && !known(d)) return t('menu.today', { value: MISSING });
  const unit = Math.max(known(c) ? Math.abs(c) : 0, known(d) ? Math.abs(d) : 0) >= 100 ? 'kWh' : 'Wh';
  const charged = t('menu.charged', { energy: known(c) ? `+${energyText(c, unit)}` : MISSING });
  const discharged = t('menu.discharged', { energy: known(d) ? `−${energyText(d, unit)}` : MISSING });
  return t('menu.todayBoth', { charged, discharged });
}

export function temperatureText(temp: number | undefined): string {
  return t('menu.temperature', { value: known(temp) ? `${signed(formatNumber(temp, 1))} °C` : MISSING });
}

/** "14 min ago", "2 h 5 min ago", "just now". */
export function ageText(ms: number): string {
  const min = Math.floor(Math.max(0, ms) / 60_000);
  if (min < 1) return t('menu.justNow');
  if (min < 60) return t('menu.minAgo', { min });
  const h = Math.floor(min / 60);
  if (h < 48) return min % 60 ? t('menu.hMinAgo', { h, min: min % 60 }) : t('menu.hAgo', { h });
  return t('menu.daysAgo', { days: Math.floor(h / 24) });
}

/**
 * "Updated 08:03:12" while fresh; stale: "Updated 14 min ago – the battery is not streaming" (or why else it is
 * old), so frozen values never pass for current ones.
 */
export function updatedText(b: Pick<BatteryReading, 'updatedAt' | 'fresh' | 'live'> | undefined, now: number, problem?: Problem): string {
  if (!b || !known(b.updatedAt)) return t('menu.notUpdated');
  if (b.fresh) {
    const when = sameLocalDay(b.updatedAt, now) ? clock(b.updatedAt) : `${localDate(b.updatedAt)} ${clock(b.updatedAt)}`;
    return t('menu.updated', { when });
  }
  const why = problem ? (language() === 'en' ? cloudProblemLine(problem).short.toLowerCase() : cloudProblemLine(problem).short) : t(!b.live ? 'menu.notStreaming' : 'menu.noFresh');
  return t('menu.updatedStale', { age: ageText(now - b.updatedAt), why });
}

/** Mid-sentence: English lower-cases the first letter; German keeps it (nouns are capitalised). */
function lowerFirst(s: string): string {
  return language() === 'en' ? s.charAt(0).toLowerCase() + s.slice(1) : s;
}

export function headerText(b: Pick<BatteryReading, 'sn' | 'stationName'> | undefined): string {
  return batteryName(b);
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
      return line(t('problem.noCredentials'), t('problem.openSettings'), true);
    case 'wrong-password':
      return line(t('problem.wrongPassword'), t('problem.openSettings'), true);
    case 'daily-limit':
      return line(t('problem.dailyLimit'), known(p.retryAt) ? t('problem.retryingAfter', { time: clockHM(p.retryAt) }) : t('problem.retryingLater'), false);
    case 'login-paused':
      return line(t('problem.loginPaused'), known(p.retryAt) ? t('problem.nextTryAfter', { time: clockHM(p.retryAt) }) : t('problem.retryingLater'), false);
    case 'login-rejected':
      return /locked/i.test(p.message)
        ? line(t('problem.locked'), t('problem.unlock'), false)
        : line(t('problem.rejected'), t('problem.update'), false);
    case 'cloud-unreachable':
      return line(t('problem.unreachable'), t('problem.retrying'), false);
    case 'cloud-error':
      return line(t('problem.cloudError'), t('problem.retrying'), false);
    case 'no-battery':
      return line(t('problem.noBattery'), t('problem.openSettings'), true);
    default:
      return line(truncate(p.message || t('problem.unknown'), 60), '', false);
  }
}

/** "⚠ Battery control failed: the battery could not switch grid charging on: timeout" (cut to fit a menu). */
export function controlProblemLine(message: string): ProblemLine | undefined {
  const m = message.trim().replace(/^\u26a0\s*/, '').replace(/\.$/, '');
  if (!m) return undefined;
  const short = t('problem.controlFailed');
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

/** "Grid charging on", "Input power 800 W": a battery setting and its value in words. */
export function settingWords(key: SettingKey, value: boolean | number): string {
  const def = CLOUD_CONTROLS[key];
  const label = shortName(def);
  return typeof value === 'boolean' ? t(value ? 'menu.settingOn' : 'menu.settingOff', { label }) : `${label} ${valueWithUnit(def, value)}`;
}

/** The menu line after a confirmed change: "✓ Grid charging on – confirmed by the battery at 10:02". */
export function controlNoticeText(key: SettingKey, value: boolean | number, at: number): string {
  return confirmedNotice(settingWords(key, value), at);
}

/** "✓ EMS mode MQTT control – confirmed by the battery at 10:02": any confirmed change in words. */
export function confirmedNotice(words: string, at: number): string {
  return t('menu.confirmed', { setting: words, time: clockHM(at) });
}

function settingOf(st: StationControlsView, key: SettingKey): SettingView | undefined {
  return st.settings.find((x) => x.key === key);
}

function numberText(v: SettingView | undefined): string {
  return v && typeof v.value === 'number' && Number.isFinite(v.value) ? valueWithUnit(CLOUD_CONTROLS[v.key], v.value) : MISSING;
}

/** A toggle's text and native check for a style: "☑ Publish to MQTT" (glyph) or "Publish to MQTT" + ✓ (native). */
function toggle(label: string, on: boolean, style: ToggleStyle): { text: string; checked: boolean } {
  return style === 'glyph' ? { text: `${on ? CHECKED : UNCHECKED} ${label}`, checked: false } : { text: label, checked: on };
}

interface RowContext {
  style: ToggleStyle;
  /** The change waiting for its confirming click. */
  confirm?: PendingChange;
}

/** The rows of one station's group in the Battery control submenu (slot j). `st` undefined: all hidden. */
function controlRows(j: number, st: StationControlsView | undefined, showHeader: boolean, ctx: RowContext): MenuRow[] {
  const parent = 'controls';
  const on = (v: SettingView | undefined): v is SettingView => !!st && v?.supported === true;
  const gc = st && settingOf(st, 'grid_charging');
  const ip = st && settingOf(st, 'input_power');
  const rs = st && settingOf(st, 'reserve_soc');
  const where = st ? (st.stationName ? `${st.stationName} (${st.sn})` : st.sn) : '';

  // Clicking the row only asks; the change needs "Turn on"/"Turn off" below it (one misclick changes nothing).
  let gcText: string = LABELS.gridCharging;
  let gcChecked = false;
  let gcEnabled = false;
  let gcTip = '';
  const c = ctx.confirm;
  const pending = on(gc) && typeof gc.value === 'boolean' && !gc.writing && !gc.blocked && c?.what === 'grid_charging' && c.sn === st?.sn && c.value === !gc.value;
  if (on(gc)) {
    if (gc.writing) {
      gcText = `${LABELS.gridCharging}: ${t('menu.switching')}`;
      gcTip = t('menu.gcWaiting');
    } else if (typeof gc.value !== 'boolean') {
      gcText = `${LABELS.gridCharging}: ${MISSING}`;
      gcTip = gc.blocked ?? t('menu.notKnownYet');
    } else {
      const tg = toggle(`${LABELS.gridCharging}: ${onOff(gc.value)}${pending ? ' ▸' : ''}`, gc.value, ctx.style);
      gcText = tg.text;
      gcChecked = tg.checked;
      if (gc.blocked) gcTip = gc.blocked;
      else {
        gcEnabled = !pending;
        gcTip = pending ? t('menu.confirmBelow') : t(gc.value ? 'menu.gcTipOff' : 'menu.gcTipOn', { where });
      }
    }
  }
  const turnTo = on(gc) && typeof gc.value === 'boolean' ? !gc.value : true;
  const numberRow = (id: 'input_power' | 'reserve_soc', v: SettingView | undefined): MenuRow =>
    row(`c${j}.${id}`, 'action', `${shortName(CLOUD_CONTROLS[id])}: ${numberText(v)}${v?.writing ? t('menu.applying') : ''}…`, {
      hidden: !on(v),
      parent,
      action: 'openSettings',
      arg: st ? controlAnchor(st.sn, id) : undefined,
      tooltip: on(v) ? (v.blocked ?? t('menu.numberTip', { what: t(CLOUD_CONTROLS[id].label), where })) : '',
    });
  return [
    row(`c${j}.header`, 'text', st ? batteryName({ sn: st.sn, stationName: st.stationName ?? '' }) : '', { hidden: !st || !showHeader, parent, tooltip: st?.stationName ?? '' }),
    row(`c${j}.grid_charging`, 'checkbox', gcText, {
      hidden: !on(gc),
      parent,
      checked: gcChecked,
      enabled: gcEnabled,
      action: 'askConfirm',
      asks: st && on(gc) && typeof gc.value === 'boolean' ? { what: 'grid_charging', sn: st.sn, value: !gc.value } : undefined,
      tooltip: gcTip,
    }),
    ...confirmRows(`c${j}.grid`, pending, t(turnTo ? 'menu.turnOnGc' : 'menu.turnOffGc'), t(turnTo ? 'menu.switchOnNow' : 'menu.switchOffNow', { where }), t('menu.leaveGc')),
    numberRow('input_power', ip),
    numberRow('reserve_soc', rs),
  ];
}

/** The Battery control parent and its children: one group per station (up to `slots`), fixed in number. */
function controlsRows(state: TrayState, slots: number, ctx: RowContext): MenuRow[] {
  const stations = state.controls ?? [];
  const useful = (st: StationControlsView) => st.settings.some((v) => v.supported === true);
  const shown = stations.slice(0, slots).map((st) => (useful(st) ? st : undefined));
  const groups = shown.filter(Boolean).length;
  const children: MenuRow[] = [];
  for (let j = 0; j < slots; j++) children.push(...controlRows(j, shown[j], groups > 1, ctx));

  const feed = feedControlRows(state.feedControls, Math.min(slots, FEED_CONTROL_SLOTS), ctx.confirm);
  const feedGroups = state.feedControls?.length ?? 0;
  let text: string = LABELS.controls;
  let tooltip = t('menu.controlsTip');
  if (feedGroups && !groups) tooltip = t('menu.controlsFeedTip');
  else if (!state.controls) {
    text = `${LABELS.controls} (${t('menu.unavailable')})`;
    tooltip = t('menu.controlsUnavailableTip');
  } else if (!groups) {
    const pending = !stations.length || stations.some((st) => st.settings.some((v) => v.supported === undefined));
    text = `${LABELS.controls} (${t(pending ? 'menu.reading' : 'menu.notSupported')})`;
    tooltip = t(pending ? 'menu.controlsReadingTip' : 'menu.controlsNoneTip');
  }
  // Never hidden: hiding a row with a submenu can lose the submenu (systray2 known issue); disabled instead.
  return [row('controls', 'submenu', text, { enabled: groups > 0 || feedGroups > 0, tooltip }), ...children, ...feed];
}

/** "Home East · 57 % · discharging 310 W · 08:03", then what is wrong, if anything. */
export function tooltipText(state: TrayState, problem = problemLine(state)): string {
  const b = primaryBattery(state.snapshot, state.iconBattery);
  const parts: string[] = [];
  if (b) {
    parts.push(b.stationName || batteryName(b), socText(b.soc));
    parts.push(lowerFirst(powerWords(b)));
    if (known(b.updatedAt)) parts.push(b.fresh ? clockHM(b.updatedAt) : t('tip.staleSince', { time: clockHM(b.updatedAt) }));
  } else parts.push('Hoymiles MS-A2', t('tip.waiting'));
  if (problem) parts.push(`⚠ ${problem.short}`);
  if (!state.publishing) parts.push(t('tip.mqttOff'));
  return truncate(parts.join(' · '), TOOLTIP_MAX);
}

/** macOS menu-bar text: "57 % ↓310 W", "57 % ↑245 W", "57 %", "⚠", or "" before the first reading. */
export function titleText(state: TrayState): string {
  if (isErrorState(state.snapshot)) return '⚠';
  const b = primaryBattery(state.snapshot, state.iconBattery);
  if (!b) return '';
  const soc = socText(b.soc);
  const status = batteryStatus(b);
  const w = known(b.batteryPower) ? String(Math.round(Math.abs(b.batteryPower))) : MISSING;
  if (status === 'charge') return `${soc} ↑${w} W`;
  if (status === 'discharge') return `${soc} ↓${w} W`;
  return soc;
}

/** The whole menu for a state. */
export function buildMenu(state: TrayState, maxBatteries: number = DEFAULT_MAX_BATTERIES, now: number = Date.now(), toggleStyle: ToggleStyle = 'native'): MenuModel {
  const n = Math.max(1, Math.floor(maxBatteries));
  const ctx: RowContext = { style: toggleStyle, confirm: state.confirm };
  const rows: MenuRow[] = [];
  const batteries = state.snapshot.batteries;
  const problemNow = state.snapshot.problem;
  for (let i = 0; i < n; i++) {
    const b = batteries[i];
    // Block 0 is always shown (with dashes before the first reading); the others only for real batteries.
    const hidden = i > 0 && !b;
    // Readings are enabled rows (normal text, not greyed out like disabled items); a click opens the settings page.
    const reading = (id: string, text: string, extra: Partial<MenuRow> = {}) => row(`b${i}.${id}`, 'action', text, { hidden, action: 'openSettings', ...extra });
    // A blank row between blocks: the helper cannot hide separators (getlantern's AddSeparator has no handle).
    if (i > 0) rows.push(row(`b${i}.gap`, 'text', '', { hidden }));
    const flow = b ? flowText(b) : '';
    rows.push(
      reading('header', `${i === 0 && state.demo ? t('menu.demo') : ''}${headerText(b)}`, { tooltip: b ? `${b.stationName} – ${b.sn}` : '' }),
      reading('soc', t('menu.soc', { soc: socText(b?.soc) })),
      reading('power', b ? powerWords(b) : t('menu.power', { value: MISSING })),
      reading('flow', flow, { hidden: hidden || !flow }),
      reading('today', b ? todayText(b) : t('menu.today', { value: MISSING })),
      reading('temp', temperatureText(b?.temperature)),
      reading('updated', updatedText(b, now, b && !b.fresh ? problemNow : undefined)),
    );
  }
  const problem = problemLine(state);
  rows.push(row('sep.controls', 'separator', ''), ...controlsRows(state, n, ctx));
  const pub = toggle(LABELS.publish, state.publishing, toggleStyle);
  const auto = toggle(LABELS.autostart, state.autostart === true, toggleStyle);
  rows.push(
    row('sep.main', 'separator', ''),
    row('problem', problem?.fixInSettings ? 'action' : 'text', problem?.text ?? '', {
      hidden: !problem,
      tooltip: problem?.detail ?? '',
      action: problem?.fixInSettings ? 'openSettings' : undefined,
    }),
    // In normal text like the readings; a click opens the battery settings on the page.
    row('notice', 'action', state.controlNotice ? truncate(state.controlNotice, 100) : '', {
      hidden: !state.controlNotice,
      tooltip: state.controlNotice ?? '',
      action: 'openSettings',
      arg: CONTROLS_ANCHOR,
    }),
    row('publish', 'checkbox', pub.text, { checked: pub.checked, action: 'togglePublish', tooltip: t('menu.publishTip') }),
    row('refresh', 'action', LABELS.refresh, { action: 'refresh' }),
    row('autostart', 'checkbox', state.autostartBlocked ? `${LABELS.autostart} (${state.autostartBlocked})` : auto.text, {
      hidden: state.autostart === undefined && !state.autostartBlocked,
      checked: auto.checked && !state.autostartBlocked,
      enabled: !state.autostartBlocked,
      action: state.autostartBlocked ? undefined : 'toggleAutostart',
      tooltip: state.autostartBlocked ? t('menu.autostartBlockedTip', { why: state.autostartBlocked }) : t('menu.autostartTip'),
    }),
    row('log', 'action', LABELS.openLog, { hidden: state.logPath === undefined, action: 'openLog', tooltip: state.logPath ?? '' }),
    row('settings', 'action', LABELS.settings, { action: 'openSettings' }),
    row('sep.quit', 'separator', ''),
    row('quit', 'action', LABELS.quit, { action: 'quit' }),
  );
  const spec = iconSpec(state);
  return { rows, icon: iconKey(spec), iconSpec: spec, tooltip: tooltipText(state, problem), title: titleText(state) };
}
