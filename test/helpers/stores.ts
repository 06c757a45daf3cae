/** In-memory stores for tests of the core and the MQTT sink. */
import type { StateStore } from '../../src/app/bridge.js';

export function memoryState(initial: Record<string, unknown> = {}): StateStore & { data: Record<string, unknown> } {
  const data: Record<string, unknown> = JSON.parse(JSON.stringify(initial));
  return {
    data,
    get: <T>(k: string) => (k in data ? (JSON.parse(JSON.stringify(data[k])) as T) : undefined),
    set: (k: string, v: unknown) => void (data[k] = JSON.parse(JSON.stringify(v))),
    delete: (k: string) => void delete data[k],
  };
}
