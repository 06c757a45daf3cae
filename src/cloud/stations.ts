/** Station list parsing (reference §4.1): every station, and every battery (type 6) at any depth. */
import { isObject, num, str } from './parse.js';

export interface Battery {
  /** Device id of the type-6 node: what inverter/find_c wants. */
  id: number;
  sn: string;
  dtuSn?: string;
  /** extend_data.role: 0 = standalone or master. */
  role?: number;
}

export interface Station {
  sid: number;
  name: string;
  sn?: string;
  batteries: Battery[];
}

export const BATTERY_DEVICE_TYPE = 6;

export function parseStation(entry: unknown): Station | undefined {
  if (!isObject(entry)) return undefined;
  const sid = num(entry.sid);
  if (sid === undefined) return undefined;
  const batteries: Battery[] = [];
  const walk = (nodes: unknown): void => {
    if (!Array.isArray(nodes)) return;
    for (const d of nodes) {
      if (!isObject(d)) continue;
      const id = num(d.id);
      if (num(d.type) === BATTERY_DEVICE_TYPE && id !== undefined) {
        const sn = str(d.sn) || String(id);
        const role = isObject(d.extend_data) ? num(d.extend_data.role) : undefined;
        batteries.push({ id, sn, dtuSn: str(d.dtu_sn), role });
      }
      walk(d.devices);
    }
  };
  walk(entry.devices);
  // The master (role 0) first: station-wide values (SoC, flow, energy) belong to it.
  batteries.sort((a, b) => (a.role ?? 0) - (b.role ?? 0));
  return { sid, name: str(entry.name) ?? `Station ${sid}`, sn: str(entry.sn), batteries };
}
