/**
 * Today's energy counters (Wh) must behave for Home Assistant's `total_increasing`: never go down within the
 * station's local day, never become 0 because a fetch failed, and survive a restart. A drop is accepted only
 * when the station-local date changed, or when it collapses (< 10 %) within 30 minutes of local midnight.
 * What comes back from the state file is checked entry by entry: an unreadable entry, or one dated after the
 * station's today, is dropped (and `loadProblem` says so), and the cloud's values are taken again.
 */
export interface CounterValue {
  value: number;
  /** Station-local date "YYYY-MM-DD" the value belongs to. */
  date: string;
}

export type CounterSnapshot = Record<string, CounterValue>;

export interface CounterPersistence {
  load(): CounterSnapshot;
  save(snapshot: CounterSnapshot): void;
}

export type CounterVerdict = 'accepted' | 'reset' | 'held' | 'missing';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function isCounterValue(v: unknown): v is CounterValue {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const { value, date } = v as Record<string, unknown>;
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && typeof date === 'string' && (date === '' || DATE.test(date));
}

/** The usable entries of a stored counter snapshot, and how many were not. */
export function readCounters(raw: unknown): { values: CounterSnapshot; dropped: number } {
  if (raw === undefined || raw === null) return { values: {}, dropped: 0 };
  if (typeof raw !== 'object' || Array.isArray(raw)) return { values: {}, dropped: 1 };
  const values: CounterSnapshot = {};
  let dropped = 0;
  for (const [k, v] of Object.entries(raw)) {
    if (isCounterValue(v)) values[k] = { value: v.value, date: v.date };
    else dropped++;
  }
  return { values, dropped };
}

export interface EnergyCountersOptions {
  /** The clock, for the "dated in the future" check. */
  now?: () => number;
}

export class EnergyCounters {
  private values: CounterSnapshot;
  /** In plain words, when stored counters could not be used (for the log). */
  loadProblem?: string;
  private readonly now: () => number;

  constructor(
    private readonly persistence?: CounterPersistence,
    opts: EnergyCountersOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    let loaded: unknown;
    try {
      loaded = persistence?.load();
    } catch {
      loaded = 'unreadable';
    }
    const { values, dropped } = readCounters(loaded);
    this.values = values;
    const future = Object.entries(values).filter(([, v]) => v.date > latestDateOnEarth(this.now()));
    for (const [k] of future) delete this.values[k];
    if (dropped || future.length) {
      this.loadProblem =
        `The stored energy counters were unreadable${future.length ? ' or dated in the future' : ''} ` +
        `(${dropped + future.length} dropped); today's energy is taken from the Hoymiles cloud again.`;
    }
  }

  get(key: string): number | undefined {
    return this.values[key]?.value;
  }

  /**
   * Offer a new reading. `localTime` is the station-local "YYYY-MM-DD HH:mm:ss" of the data.
   * Returns what happened, so the caller can log a held-back drop.
   */
  offer(key: string, value: number | undefined, localTime: string | undefined): CounterVerdict {
    if (value === undefined || !Number.isFinite(value) || value < 0) return 'missing';
    const date = localTime?.slice(0, 10) || this.values[key]?.date || '';
    const stored = this.values[key];
    // A stored day later than the station's today and than this computer's today is wrong (a clock, a hand
    // edit): holding on to it would freeze the counter for good. Late data from yesterday is still held.
    const future = stored !== undefined && stored.date !== '' && date !== '' && stored.date > date && stored.date > localDate(this.now());
    const last = future ? undefined : stored;
    let verdict: CounterVerdict = future ? 'reset' : 'accepted';
    if (last && value < last.value) {
      const newDay = date !== '' && last.date !== '' && date > last.date;
      const nearMidnight = isNearMidnight(localTime) && value < 0.1 * last.value;
      if (!newDay && !nearMidnight) return 'held';
      verdict = 'reset';
    } else if (last && last.date !== '' && date !== '' && date < last.date) {
      return 'held'; // data from an earlier day arriving late
    }
    if (last && last.value === value && last.date === date) return 'accepted';
    this.values[key] = { value, date };
    this.persistence?.save(this.values);
    return verdict;
  }
}

function localDate(t: number): string {
  const d = new Date(t);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

/** No place on Earth is ahead of UTC+14: a station-local date after this one is in the future everywhere. */
function latestDateOnEarth(t: number): string {
  return new Date(t + 14 * 3_600_000).toISOString().slice(0, 10);
}

function isNearMidnight(localTime: string | undefined): boolean {
  const m = localTime?.match(/(\d{2}):(\d{2})(?::\d{2})?$/);
  if (!m) return false;
  const minutes = Number(m[1]) * 60 + Number(m[2]);
  return minutes <= 30 || minutes >= 23 * 60 + 30;
}
