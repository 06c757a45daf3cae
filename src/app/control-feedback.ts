/**
 * What the tray says about battery changes: the last control error (the one place the app holds it; the tray
 * menu and everything else read it from here) and the last confirmed change. Fed by the app's own changes (tray,
 * settings page) and by the reports of the running bridge's controls: the cloud's events, and the feed's
 * controls' last refusal, followed on each of their changes and each snapshot.
 */
import type { Sink } from '../core/sink.js';
import type { BatteryControls } from '../controls/battery-controls.js';
import type { NativeControls } from '../native/controls.js';

type From = 'app' | 'cloud' | 'feed';

export class ControlFeedback implements Sink {
  readonly name = 'control feedback';
  private err?: { text: string; from: From };
  /** The last confirmed battery change, for its menu line. */
  notice?: string;
  private feed?: NativeControls;
  /** The feed controls' report as last taken over, so an old one never overrides a newer error. */
  private feedSeen?: string;
  /** EMS modes sent from the tray and not yet confirmed by the feed, per master serial. */
  private readonly modeAsked = new Map<string, string>();

  constructor(private readonly changed: () => void) {}

  get error(): string | undefined {
    return this.err?.text;
  }

  /** A change from the tray or the page failed or was refused. */
  failed(message: string): void {
    this.err = { text: message, from: 'app' };
  }

  /** A change from the tray or the page went out (`notice`: its confirmation line, if it is confirmed already). */
  sent(notice?: string): void {
    this.err = undefined;
    this.notice = notice;
  }

  /** An EMS mode asked for from the tray: its confirmation by the feed is reported like a grid charging change. */
  askedMode(sn: string, mode: string): void {
    this.sent();
    this.modeAsked.set(sn, mode);
  }

  /** Whether the feed's confirmation of `mode` answers the tray's own request (and forgets the request). */
  answered(sn: string, mode: string): boolean {
    if (this.modeAsked.get(sn) !== mode) return false;
    this.modeAsked.delete(sn);
    return true;
  }

  /** Follows the controls of a newly built bridge (the old ones are stopped with their bridge). */
  follow(cloud: BatteryControls | undefined, feed: NativeControls | undefined): void {
    this.feed = feed;
    this.feedSeen = feed?.lastControlError;
    cloud?.on('control-error', (e) => this.set(e.message, 'cloud'));
    cloud?.on('confirmed', () => this.set(undefined, 'cloud'));
    cloud?.on('refused', () => {
      this.notice = undefined;
      this.changed();
    });
    feed?.on('change', () => this.syncFeed());
  }

  start(): void {}
  stop(): void {}

  onSnapshot(): void {
    this.syncFeed(false);
  }

  private syncFeed(redraw = true): void {
    const now = this.feed?.lastControlError;
    if (now === this.feedSeen) return;
    this.feedSeen = now;
    if (now !== undefined) this.err = { text: now, from: 'feed' };
    else if (this.err?.from === 'feed') this.err = undefined;
    if (redraw) this.changed();
  }

  private set(text: string | undefined, from: From): void {
    this.err = text === undefined ? undefined : { text, from };
    this.changed();
  }
}
