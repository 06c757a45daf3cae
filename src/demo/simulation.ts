/**
 * The demo battery's day, as a pure function of the (local) time: it charges from the sun between 07:00 and
 * 17:00 (15 % → 95 %) and feeds the house from 17:00 to 07:00 the next morning (95 % → 15 %). Because every value
 * follows from the clock, a restarted demo continues where the last one left off and today's energy counters never
 * go down within a day; the history of the last hours can be drawn from the same function.
 */

/** Usable capacity of one MS-A2, Wh. */
export const CAPACITY_WH = 2240;

export interface SimState {
  /** The time these values are for (ms since epoch). */
  at: number;
  soc: number;
  /** W, Home Assistant's sign: + = discharging, − = charging. */
  batteryPower: number;
  pv: number;
  load: number;
  /** + = import. */
  grid: number;
  chargedToday: number;
  dischargedToday: number;
  temperature: number;
}

const LOW = 15;
const HIGH = 95;
const CHARGE_FROM = 7;
const CHARGE_HOURS = 10;
const DISCHARGE_HOURS = 24 - CHARGE_HOURS;
const round1 = (v: number) => Math.round(v * 10) / 10;

/** Local hour of the day as a fraction, 0 ≤ h < 24. */
function hourOfDay(ms: number): number {
  const d = new Date(ms);
  return d.getHours() + d.getMinutes() / 60 + d.getSeconds() / 3600 + d.getMilliseconds() / 3_600_000;
}

/** State of charge (%) and its rate (%/h) at hour h, measured from the start of the charging window. */
function socAt(h: number): { soc: number; rate: number } {
  const x = (((h - CHARGE_FROM) % 24) + 24) % 24; // hours since 07:00
  const span = HIGH - LOW;
  if (x < CHARGE_HOURS) {
    const a = (Math.PI * x) / CHARGE_HOURS;
    return { soc: LOW + (span * (1 - Math.cos(a))) / 2, rate: ((span * Math.PI) / (2 * CHARGE_HOURS)) * Math.sin(a) };
  }
  const a = (Math.PI * (x - CHARGE_HOURS)) / DISCHARGE_HOURS;
  return { soc: HIGH - (span * (1 - Math.cos(a))) / 2, rate: -((span * Math.PI) / (2 * DISCHARGE_HOURS)) * Math.sin(a) };
}

export function simulatedState(ms: number): SimState {
  const h = hourOfDay(ms);
  const { soc, rate } = socAt(h);
  const wh = (pct: number) => (pct * CAPACITY_WH) / 100;
  // Energy since local midnight: the night's discharge runs from 00:00 (55 %) down to 15 % at 07:00.
  const atMidnight = socAt(0).soc;
  let charged = 0;
  let discharged = 0;
  if (h < CHARGE_FROM) discharged = wh(atMidnight - soc);
  else if (h < CHARGE_FROM + CHARGE_HOURS) {
    discharged = wh(atMidnight - LOW);
    charged = wh(soc - LOW);
  } else {
    discharged = wh(atMidnight - LOW + HIGH - soc);
    charged = wh(HIGH - LOW);
  }
  const batteryPower = -wh(rate); // %/h → W
  const load = 230 + 90 * Math.sin(ms / 53_000) + 60 * Math.sin(ms / 7_000_000);
  const pv = batteryPower < 0 ? -batteryPower + load + 40 * (1 + Math.sin(ms / 31_000)) : 0;
  return {
    at: ms,
    soc: round1(soc),
    batteryPower: round1(batteryPower),
    pv: Math.round(pv),
    load: Math.round(load),
    grid: Math.round(load - pv - batteryPower),
    chargedToday: Math.round(charged),
    dischargedToday: Math.round(discharged),
    temperature: round1(21 + 2 * Math.sin(ms / 5_400_000)),
  };
}
