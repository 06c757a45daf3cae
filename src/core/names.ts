/** How the app names a battery to the user, the same in the tray menu and in notifications. Pure. */
import type { BatteryReading } from './snapshot.js';

/** "…0529": the last four characters of a serial number. */
export function shortSerial(sn: string): string {
  return sn.length > 4 ? `…${sn.slice(-4)}` : sn;
}

/** "Home East · MS-A2 …0529": the station's name from the cloud, then the battery. */
export function batteryName(b: Pick<BatteryReading, 'sn' | 'stationName'> | undefined): string {
  if (!b) return 'Hoymiles MS-A2';
  const device = b.sn ? `MS-A2 ${shortSerial(b.sn)}` : 'MS-A2';
  return b.stationName ? `${b.stationName} · ${device}` : device;
}
