/**
 * Which snapshots deserve a desktop notification. Pure decisions, so they are easy to test:
 * - low state of charge: once when it falls below the threshold, again only after it rose above threshold + 5;
 * - login failure: once per failure streak, with what to do; then one "connection restored".
 */
import type { BridgeSnapshot } from '../core/snapshot.js';

export interface Alert {
  kind: 'low-soc' | 'login-failed' | 'restored';
  title: string;
  message: string;
}

export interface AlertOptions {
  lowSocThreshold: number;
  lowSoc: boolean;
  login: boolean;
}

export const LOW_SOC_HYSTERESIS = 5;
// 'no-credentials' is not among them: at first start the settings page opens instead.
const LOGIN_PROBLEMS = new Set(['wrong-password', 'daily-limit', 'login-rejected']);

export class AlertPolicy {
  private lowNotified = new Set<string>();
  private loginStreak = false;

  constructor(public options: AlertOptions) {}

  /** Alerts this snapshot causes (usually none). */
  evaluate(s: BridgeSnapshot): Alert[] {
    const out: Alert[] = [];
    const loginProblem = s.problem && LOGIN_PROBLEMS.has(s.problem.code) ? s.problem : undefined;
    if (loginProblem && !this.loginStreak) {
      this.loginStreak = true;
      if (this.options.login) out.push({ kind: 'login-failed', title: 'Hoymiles login failed', message: loginProblem.message });
    } else if (!s.problem && this.loginStreak && s.lastSuccess !== undefined) {
      this.loginStreak = false;
      if (this.options.login) out.push({ kind: 'restored', title: 'Hoymiles connection restored', message: 'Battery data is updating again.' });
    }

    const t = this.options.lowSocThreshold;
    for (const b of s.batteries) {
      if (b.soc === undefined || !b.fresh) continue;
      if (b.soc < t && !this.lowNotified.has(b.sn)) {
        this.lowNotified.add(b.sn);
        if (this.options.lowSoc) {
          out.push({ kind: 'low-soc', title: `Battery low: ${Math.round(b.soc)} %`, message: `MS-A2 ${b.sn} is below ${t} % state of charge.` });
        }
      } else if (b.soc > t + LOW_SOC_HYSTERESIS) {
        this.lowNotified.delete(b.sn);
      }
    }
    return out;
  }
}
