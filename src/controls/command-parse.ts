/**
 * Strict parsing of control commands (mqtt-home-assistant.md §10.7): a plain number within its range and on its
 * step, exactly ON/OFF, exactly a button's payload, or one of a select's options; nothing else. Pure.
 */

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

export interface NumberRange {
  min: number;
  max: number;
  step: number;
}

/** A plain decimal number: optional minus, digits, optional fraction; nothing else (no "1e3", "0x10", " 8", "+8"). */
const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;
/** Longer than any value of any setting: refused before anything else looks at it. */
const MAX_NUMBER_CHARS = 24;

/**
 * A plain decimal number, within the range and exactly on the step; nothing else. One trailing newline is
 * allowed (`mosquitto_pub -s`, `echo 800 | …`); spaces, a second line, "1e3", "0x10", "", "NaN" and
 * 800.0000000001 (off the step, however little) are refused.
 */
export function parseNumber(payload: string, range: NumberRange, unit: string): Parsed<number> {
  const s = payload.endsWith('\n') ? payload.slice(0, -1) : payload;
  const m = s.length <= MAX_NUMBER_CHARS ? DECIMAL.exec(s) : null;
  if (!m) return { ok: false, reason: `${quote(payload)} is not a number` };
  const n = Number(s);
  if (n < range.min || n > range.max) return { ok: false, reason: `${s} ${unit} is outside ${range.min}–${range.max} ${unit}` };
  // On the step exactly: no digits beyond the step's own decimals (other than zeros), then a whole number of steps.
  const places = decimals(range.step);
  const frac = m[3] ?? '';
  const steps = (n - range.min) / range.step;
  if (/[1-9]/.test(frac.slice(places)) || Math.abs(steps - Math.round(steps)) > 1e-9) {
    return { ok: false, reason: `${s} ${unit} is not a multiple of the step ${range.step} ${unit}` };
  }
  // Snap away float noise from the division above (0.1 + 0.2 and the like).
  const value = Math.round(steps) * range.step + range.min;
  return { ok: true, value: Number(value.toFixed(places)) };
}

export function parseSwitch(payload: string): Parsed<boolean> {
  if (payload === 'ON') return { ok: true, value: true };
  if (payload === 'OFF') return { ok: true, value: false };
  return { ok: false, reason: `${quote(payload)} is neither ON nor OFF` };
}

export function parseButton(payload: string, press = 'PRESS'): Parsed<true> {
  return payload === press ? { ok: true, value: true } : { ok: false, reason: `${quote(payload)} is not ${press}` };
}

export function parseChoice<T extends string>(payload: string, options: readonly T[]): Parsed<T> {
  return (options as readonly string[]).includes(payload) ? { ok: true, value: payload as T } : { ok: false, reason: `${quote(payload)} is not one of ${options.join(', ')}` };
}

/** A payload fit for a log line: quoted, control characters escaped, long ones cut. */
export function quote(payload: string): string {
  return JSON.stringify(payload.length > 40 ? `${payload.slice(0, 40)}…` : payload);
}

function decimals(step: number): number {
  const s = String(step);
  const i = s.indexOf('.');
  return i < 0 ? 0 : s.length - i - 1;
}
