/** Reading the page's form (src/settings-page/save.ts): the table's readers, locked fields and passwords left alone. */
import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../src/config/app-settings.js';
import { fromForm } from '../../src/settings-page/save.js';

describe('fromForm', () => {
  it('reads each field with its kind: numbers, on/off, ids, a bare broker address, a language tag', () => {
    const { candidate, errors } = fromForm(
      { intervalSec: ' 30 ', debug: 'on', discoveryEnabled: false, stationIds: '12, 34;56', mqttUrl: '192.168.1.10', language: 'de_DE.UTF-8', source: 'Native', baseTopic: ' t ' },
      DEFAULTS,
      () => false,
    );
    expect(errors).toEqual({});
    expect(candidate).toMatchObject({ intervalSec: 30, debug: true, discoveryEnabled: false, stationIds: [12, 34, 56], mqttUrl: 'mqtt://192.168.1.10:1883', language: 'de', source: 'native', baseTopic: 't' });
  });

  it('a number that is not one becomes NaN for the validator to name; an on/off that is neither is an error', () => {
    const { candidate, errors } = fromForm({ intervalSec: 'often', lowSocThreshold: '', debug: 'maybe' }, DEFAULTS, () => false);
    expect(candidate.intervalSec).toBeNaN();
    expect(candidate.lowSocThreshold).toBeNaN();
    expect(candidate.debug).toBe(DEFAULTS.debug);
    expect(errors).toEqual({ debug: 'Choose on or off.' });
  });

  it('leaves locked fields, fields not in the body and passwords alone', () => {
    const stored = { ...DEFAULTS, baseTopic: 'stored', intervalSec: 60 };
    const { candidate } = fromForm({ baseTopic: 'typed', mqttPassword: 'Typed-pw-1', hoymilesPassword: 'Typed-pw-2', apiUrl: 'http://x' }, stored, (k) => k === 'baseTopic');
    expect(candidate).toEqual(stored);
    expect(JSON.stringify(candidate)).not.toContain('Typed-pw');
  });
});
