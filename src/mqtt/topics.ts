/** Topic names in one place. `base` is MQTT_TOPIC (default hoymiles-ms-a2), `prefix` the discovery prefix. */
export function sanitizeId(s: string): string {
  return s.replace(/[^a-zA-Z0-9_-]/g, '_');
}

export const topics = {
  bridgeState: (base: string) => `${base}/bridge/state`,
  availability: (base: string, sn: string) => `${base}/${sanitizeId(sn)}/availability`,
  state: (base: string, sn: string) => `${base}/${sanitizeId(sn)}/state`,
  command: (base: string, sn: string, key: string) => `${base}/${sanitizeId(sn)}/${key}/set`,
  commandFilter: (base: string) => `${base}/+/+/set`,
  deviceId: (sn: string) => `hoymiles_msa2_${sanitizeId(sn)}`,
  discovery: (prefix: string, sn: string) => `${prefix}/device/${topics.deviceId(sn)}/config`,
  haStatus: (prefix: string) => `${prefix}/status`,
  /** The original script's flat topics (first battery only, as the script had one). */
  legacy: (base: string, name: 'soc' | 'power-battery' | 'power-to-battery' | 'power-from-battery' | 'flow' | 'station' | 'inverter') =>
    `${base}/${name}`,
  /** The MS-A2 firmware's own state topics (compat mode). */
  native: (prefix: string, sn: string, kind: 'quick' | 'device' | 'system') => `${prefix}/sensor/MSA-${sanitizeId(sn)}/${kind}/state`,
};
