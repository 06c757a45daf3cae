/** How a battery is named to the user (tray menu, notifications). */
import { describe, expect, it } from 'vitest';
import { batteryName, shortSerial } from '../../src/core/names.js';

describe('battery names', () => {
  it('the station’s name, then the model and the last four characters of the serial', () => {
    expect(batteryName({ sn: '280024290529', stationName: 'Home East' })).toBe('Home East · MS-A2 …0529');
    expect(batteryName({ sn: '280024290529', stationName: '' })).toBe('MS-A2 …0529');
    expect(batteryName({ sn: '', stationName: 'Home' })).toBe('Home · MS-A2');
    expect(batteryName(undefined)).toBe('Hoymiles MS-A2');
  });
  it('a serial of four characters or fewer is shown whole', () => {
    expect(shortSerial('0529')).toBe('0529');
    expect(shortSerial('10529')).toBe('…0529');
  });
});
