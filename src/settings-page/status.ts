/**
 * The settings page's status panel in words: the cloud login, the broker, each battery's last reading and its
 * age, the last problem. Pure: the app hands in what it knows, the page shows the texts as they are.
 */
import type { BridgeSnapshot } from '../core/snapshot.js';
import type { MqttProblemKind } from '../mqtt/connection.js';
import { formatNumber, formatTime, t } from '../i18n/index.js';

export type CloudState = 'pending' | 'ok' | 'no-credentials' | 'wrong-password' | 'daily-limit' | 'unreachable' | 'error';
export type BrokerState = 'off' | 'connecting' | 'connected' | 'refused' | 'bad-credentials' | 'unreachable' | 'error';

export interface StatusView {
  version: string;
  demo: boolean;
  logPath?: string;
  /** Counts the bridges started with new settings; a save answers the generation its settings run under. */
  generation: number;
  /** Both the login and the broker have a result (not "pending"/"connecting"). */
  settled: boolean;
  cloud: { state: CloudState; text: string };
  broker: { state: BrokerState; text: string };
  batteries: { sn: string; station: string; text: string; age: string; fresh: boolean; soc?: number; batteryPower?: number; updatedAt?: number }[];
  lastProblem?: { text: string; at: string };
  /** Energy of today of the first battery (Wh), for the chart's caption. */
  today?: { charged?: number; discharged?: number };
}

export interface StatusInput {
  version: string;
  demo: boolean;
  logPath?: string;
  generation: number;
  snapshot: BridgeSnapshot;
  /** undefined: no broker at all (publishing off / tray only). */
  broker?: { connected: boolean; problem?: string; kind?: MqttProblemKind; where: string };
  lastProblem?: { text: string; at: number };
  now: number;
  /** Settings.source; `native` uses no Hoymiles login. */
  source?: 'cloud' | 'native' | 'both';
}

export const hhmm = (ms: number) => formatTime(ms, false);

/** "12 s ago", "3 min ago", "2 h ago". */
export function ageText(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 90) return t('status.sAgo', { s });
  if (s < 90 * 60) return t('menu.minAgo', { min: Math.round(s / 60) });
  return t('menu.hAgo', { h: Math.round(s / 3600) });
}

function cloudStatus(snap: BridgeSnapshot): StatusView['cloud'] {
  const p = snap.problem;
  if (!p) return snap.cycles > 0 || snap.lastSuccess ? { state: 'ok', text: t('status.loggedIn') } : { state: 'pending', text: t('status.loggingIn') };
  switch (p.code) {
    case 'no-credentials':
      return { state: 'no-credentials', text: t('status.noLogin') };
    case 'wrong-password':
      return { state: 'wrong-password', text: t('status.wrongPassword') };
    case 'daily-limit':
      return { state: 'daily-limit', text: t('status.dailyLimit', { time: p.retryAt ? hhmm(p.retryAt) : t('status.midnight') }) };
    case 'cloud-unreachable':
      return { state: 'unreachable', text: t('status.unreachable') };
    default:
      return { state: 'error', text: p.message };
  }
}

function brokerStatus(b: StatusInput['broker']): StatusView['broker'] {
  if (!b) return { state: 'off', text: t('status.publishOff') };
  if (b.connected) return { state: 'connected', text: t('status.connected', { where: b.where }) };
  if (!b.problem) return { state: 'connecting', text: t('status.connecting', { where: b.where }) };
  switch (b.kind) {
    case 'refused':
      return { state: 'refused', text: t('status.refused', { where: b.where }) };
    case 'bad-credentials':
      return { state: 'bad-credentials', text: t('status.badCredentials', { where: b.where }) };
    case 'unreachable':
    case 'lost':
      return { state: 'unreachable', text: b.problem };
    default:
      return { state: 'error', text: b.problem };
  }
}

const watts = (w: number) => `${Math.round(Math.abs(w))} W`;

function feedOnlyStatus(snap: BridgeSnapshot): StatusView['cloud'] {
  if (snap.problem) return { state: 'error', text: snap.problem.message };
  return { state: 'ok', text: t(snap.batteries.length ? 'status.feedReading' : 'status.feedWaiting') };
}

export function buildStatus(i: StatusInput): StatusView {
  const cloud = i.source === 'native' ? feedOnlyStatus(i.snapshot) : cloudStatus(i.snapshot);
  const broker = brokerStatus(i.broker);
  const batteries = i.snapshot.batteries.map((b) => {
    const soc = b.soc !== undefined && Number.isFinite(b.soc) ? `${formatNumber(Math.round(b.soc))} %` : '–';
    const p = b.batteryPower;
    const power = p === undefined || !Number.isFinite(p) ? '' : b.status === 'standby' || Math.abs(p) < 1 ? `, ${t('status.standby')}` : `, ${t(p < 0 ? 'status.charging' : 'status.discharging', { power: watts(p) })}`;
    return {
      sn: b.sn,
      station: b.stationName,
      text: `${soc}${power}`,
      age: b.updatedAt ? ageText(i.now - b.updatedAt) : t('status.noReading'),
      fresh: b.fresh,
      soc: b.soc,
      batteryPower: b.batteryPower,
      updatedAt: b.updatedAt,
    };
  });
  const first = i.snapshot.batteries.find((b) => b.master) ?? i.snapshot.batteries[0];
  return {
    version: i.version,
    demo: i.demo,
    logPath: i.logPath,
    generation: i.generation,
    settled: cloud.state !== 'pending' && broker.state !== 'connecting',
    cloud,
    broker,
    batteries,
    lastProblem: i.lastProblem ? { text: i.lastProblem.text, at: hhmm(i.lastProblem.at) } : undefined,
    today: first ? { charged: first.chargedToday, discharged: first.dischargedToday } : undefined,
  };
}
