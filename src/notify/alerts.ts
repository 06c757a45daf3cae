/**
 * Which snapshots deserve a desktop notification. Pure decisions, so they are easy to test:
 * - low state of charge: once when it falls below the threshold, again only after it rose above threshold + 5;
 * - full (opt-in): once when it reaches 100 %, again only after it dropped 10 points;
 * - login failure: once per failure streak, with what to do; then one "connection restored", and only when the
 *   failure was notified (never at first start, never for a failure the user did not hear about).
 * Batteries are named as in the tray menu ("Home East · MS-A2 …0529").
 */
import { batteryName } from '../core/names.js';
import type { BridgeSnapshot } from '../core/snapshot.js';
import { formatNumber, t, type MessageKey, type Params } from '../i18n/index.js';

/** An alert in the user's language, with its English twin for the log. */
function alert(kind: Alert['kind'], title: [MessageKey, Params?], message: [MessageKey, Params?] | string): Alert {
  const msg = (lang?: 'en') => (typeof message === 'string' ? message : t(message[0], message[1], lang));
  return { kind, title: t(title[0], title[1]), message: msg(), logText: `${t(title[0], title[1], 'en')}: ${msg('en')}` };
}

export interface Alert {
  kind: 'low-soc' | 'full' | 'login-failed' | 'restored';
  title: string;
  message: string;
  /** Title and message in English, for the log (log lines stay English). */
  logText: string;
}

export interface AlertOptions {
  lowSocThreshold: number;
  lowSoc: boolean;
  login: boolean;
  /** The full-battery notification (off by default in the settings). */
  full?: boolean;
}

export const LOW_SOC_HYSTERESIS = 5;
/** After a full notification, the charge must drop this many points before the next one. */
export const FULL_REARM_POINTS = 10;
// 'no-credentials' is not among them: at first start the settings page opens instead.
const LOGIN_PROBLEMS = new Set(['wrong-password', 'daily-limit', 'login-rejected']);

export class AlertPolicy {
  private lowNotified = new Set<string>();
  private fullNotified = new Set<string>();
  private loginStreak = false;
  /** A login failure of the current streak was notified: only then is its end worth a "restored". */
  private failureNotified = false;

  constructor(public options: AlertOptions) {}

  /** Alerts this snapshot causes (usually none). */
  evaluate(s: BridgeSnapshot): Alert[] {
    const out: Alert[] = [];
    const loginProblem = s.problem && LOGIN_PROBLEMS.has(s.problem.code) ? s.problem : undefined;
    if (loginProblem && !this.loginStreak) {
      this.loginStreak = true;
      if (this.options.login) {
        this.failureNotified = true;
        out.push(alert('login-failed', ['notify.loginFailed'], loginProblem.message));
      }
    } else if (!s.problem && this.loginStreak && s.lastSuccess !== undefined) {
      this.loginStreak = false;
      if (this.failureNotified && this.options.login) out.push(alert('restored', ['notify.restored'], ['notify.restoredText']));
      this.failureNotified = false;
    }

    const threshold = this.options.lowSocThreshold;
    for (const b of s.batteries) {
      if (b.soc === undefined || !Number.isFinite(b.soc) || !b.fresh) continue;
      const soc = Math.round(b.soc);
      if (b.soc < threshold && !this.lowNotified.has(b.sn)) {
        this.lowNotified.add(b.sn);
        if (this.options.lowSoc) {
          out.push(alert('low-soc', ['notify.low', { soc: `${formatNumber(soc)} %` }], ['notify.lowText', { name: batteryName(b), threshold: `${formatNumber(threshold)} %` }]));
        }
      } else if (b.soc > threshold + LOW_SOC_HYSTERESIS) {
        this.lowNotified.delete(b.sn);
      }
      if (soc >= 100 && !this.fullNotified.has(b.sn)) {
        this.fullNotified.add(b.sn);
        if (this.options.full) out.push(alert('full', ['notify.full', { soc: `${formatNumber(100)} %` }], ['notify.fullText', { name: batteryName(b) }]));
      } else if (soc <= 100 - FULL_REARM_POINTS) {
        this.fullNotified.delete(b.sn);
      }
    }
    return out;
  }
}
