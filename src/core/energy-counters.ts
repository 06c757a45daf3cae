/**
 * Today's energy counters (Wh) must behave for Home Assistant's `total_increasing`: never go down within the
 * station's local day, never become 0 because a fetch failed, and survive a restart. A drop is accepted only
 * when the station-local date changed, or when it collapses (< 10 %) within 30 minutes of local midnight.
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

export class EnergyCounters {
  private values: CounterSnapshot;
  constructor(private readonly persistence?: CounterPersistence) {
    this.values = persistence?.load() ?? {};
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
    const last = this.values[key];
    let verdict: CounterVerdict = 'accepted';
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

function isNearMidnight(localTime: string | undefined): boolean {
  const m = localTime?.match(/(\d{2}):(\d{2})(?::\d{2})?$/);
  if (!m) return false;
  const minutes = Number(m[1]) * 60 + Number(m[2]);
  return minutes <= 30 || minutes >= 23 * 60 + 30;
}
