/** The settings page's "last problem" with its time: the latest problem in a snapshot or of the broker link. */
import type { Sink } from '../core/sink.js';
import type { BridgeSnapshot } from '../core/snapshot.js';

export class LastProblem implements Sink {
  readonly name = 'last problem';
  value?: { text: string; at: number };

  constructor(private readonly now: () => number = Date.now) {}

  note(text: string | undefined): void {
    if (text) this.value = { text, at: this.now() };
  }

  start(): void {}
  stop(): void {}

  onSnapshot(snap: BridgeSnapshot): void {
    // Not having set up the app yet is no problem worth recalling.
    if (snap.problem && snap.problem.code !== 'no-credentials' && snap.problem.message !== this.value?.text) this.note(snap.problem.message);
  }
}
