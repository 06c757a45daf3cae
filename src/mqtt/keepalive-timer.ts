/**
 * MQTT.js's keep-alive check (every keepalive/2 s: count, ping on the second count, give up on the third) on a
 * timer that rides on the app's own wake-ups. MQTT.js runs the check on a setInterval of its own, which wakes an
 * otherwise sleeping process twice a minute (and a third time for the broker's answer), whatever the app does.
 * When the app publishes anyway more often than the check is due, the check runs in that wake-up instead: it
 * runs at the publish nearest to its due time (up to half a publish gap early or late), and a plain timer still
 * runs it if no publish comes (the app stopped publishing, or publishes less often than the check is due).
 *
 * `beat()` is the app saying "I am awake"; `gapMs` is how often that usually happens (the poll interval).
 */
type Fn = () => void;

interface Entry {
  fn: Fn;
  every: number;
  dueAt: number;
  fallback?: NodeJS.Timeout;
}

export class RidingTimer {
  private readonly entries = new Map<number, Entry>();
  private nextId = 1;
  /** Half a usual gap between beats: how far from its due time a check may run at a beat. */
  private readonly slack: number;

  constructor(gapMs: number, private readonly now: () => number = Date.now) {
    this.slack = Math.max(0, gapMs) / 2;
  }

  /** MQTT.js's timer interface (setInterval semantics). */
  readonly set = (fn: Fn, every: number): number => {
    const id = this.nextId++;
    const e: Entry = { fn, every, dueAt: this.now() + every };
    this.entries.set(id, e);
    this.arm(e);
    return id;
  };

  readonly clear = (id: number): void => {
    const e = this.entries.get(id);
    if (!e) return;
    clearTimeout(e.fallback);
    this.entries.delete(id);
  };

  /** The app is awake (it just published): run what falls due before the next usual beat. */
  beat(): void {
    // Only worth it when beats come more often than the check; else the plain timer is the right schedule.
    if (!this.entries.size) return;
    const now = this.now();
    for (const e of this.entries.values()) {
      if (2 * this.slack < e.every && e.dueAt - now < this.slack) this.run(e, now);
    }
  }

  private run(e: Entry, now: number): void {
    e.dueAt = now + e.every;
    this.arm(e);
    e.fn();
  }

  /** The plain timer: at the due time, plus the slack a beat may take (so a beat on time comes first). */
  private arm(e: Entry): void {
    clearTimeout(e.fallback);
    const slack = 2 * this.slack < e.every ? this.slack : 0;
    e.fallback = setTimeout(() => this.run(e, this.now()), Math.max(0, e.dueAt - this.now()) + slack);
  }
}
