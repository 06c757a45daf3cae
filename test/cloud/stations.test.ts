/** The station list: every battery (device type 6) at any depth of the device tree, the master first. */
import { describe, expect, it } from 'vitest';
import { parseStation } from '../../src/cloud/stations.js';

describe('parseStation', () => {
  it('finds batteries under nested DTUs and puts the master (role 0) first; meters are no batteries', () => {
    const s = parseStation({
      sid: '42',
      name: 'Home',
      sn: 'DTU1',
      devices: [
        { id: 1, sn: 'DTU1', type: 1, devices: [{ id: 7, sn: 'SLAVE', type: 6, extend_data: { role: 1 }, devices: [{ id: 8, sn: 'M1', type: 16 }] }] },
        { id: 2, type: 1, devices: [{ id: 3, type: 1, devices: [{ id: 5, sn: 'MASTER', dtu_sn: 'DTU2', type: '6', extend_data: { role: 0 } }] }] },
      ],
    });
    expect(s).toEqual({
      sid: 42,
      name: 'Home',
      sn: 'DTU1',
      batteries: [
        { id: 5, sn: 'MASTER', dtuSn: 'DTU2', role: 0 },
        { id: 7, sn: 'SLAVE', dtuSn: undefined, role: 1 },
      ],
    });
  });
  it('a station without sid is not one; one without name or batteries still is', () => {
    expect(parseStation({ name: 'x' })).toBeUndefined();
    expect(parseStation('junk')).toBeUndefined();
    expect(parseStation({ sid: 9, devices: [{ id: 4, type: 6 }, 'junk', null] })).toEqual({ sid: 9, name: 'Station 9', sn: undefined, batteries: [{ id: 4, sn: '4', dtuSn: undefined, role: undefined }] });
  });
});
