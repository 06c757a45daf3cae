/** What the tray shows and what it can ask the app to do. Shared by the pure model and the systray2 adapter. */
import type { BridgeSnapshot } from '../core/snapshot.js';

export interface TrayActions {
  togglePublish(): void;
  refresh(): void;
  openSettings(): void;
  quit(): void;
}

export interface TrayState {
  snapshot: BridgeSnapshot;
  /** The "Publish to MQTT" checkbox. */
  publishing: boolean;
  /** Plain words shown after "⚠ " when the broker is the problem, e.g. "MQTT broker unreachable". */
  brokerProblem?: string;
  /** SoC (%) below which the icon turns red. */
  lowSocThreshold: number;
}
