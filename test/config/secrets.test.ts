/** Secrets stay in the secret store: nothing derived from a password in any other file the app writes. */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { argon2Challenge, legacyPasswordHash } from '../../src/cloud/auth.js';
import { FileSecretStore } from '../../src/config/secrets.js';
import { StateStore } from '../../src/config/store.js';
import { TEST_ACCOUNT } from '../fake-cloud/server.js';
import { waitFor } from '../helpers/broker.js';
import { useBridgeFixture } from '../helpers/bridge.js';
import { useTempDirs } from '../helpers/temp.js';

describe('nothing derived from a password outside the secret store', () => {
  const fx = useBridgeFixture();
  const tempDir = useTempDirs();
  it('after a wrong password and the daily limit, no file but secrets.json holds anything of it', async () => {
    const dir = tempDir('hardening-cfg-');
    // An older version's state: the login block carried `email#<length>:<hash>`.
    writeFileSync(
      join(dir, 'state.json'),
      JSON.stringify({ 'cloud.loginBlock': { until: Date.now() + 3_600_000, kind: 'daily-limit', message: 'limit', email: `${TEST_ACCOUNT.email}#15:1x2y3z` } }),
    );
    const logger = fx.log.logger;
    const state = new StateStore({ dir, logger });
    const secrets = new FileSecretStore(dir);
    const blocked = fx.bridge({}, { state, secrets });
    await waitFor(() => blocked.poller!.snapshot().problem?.code === 'daily-limit', 10_000, 'stored daily limit');
    await fx.stopAll();
    state.delete('cloud.loginBlock');

    const wrong = fx.bridge({ hoymilesPassword: 'Wrong-Password-42' }, { state, secrets });
    await waitFor(() => wrong.poller!.snapshot().problem?.code === 'wrong-password', 10_000, 'wrong password');
    await fx.stopAll();
    fx.cloud.dailyLimit = true;
    const limited = fx.bridge({}, { state, secrets });
    await waitFor(() => limited.poller!.snapshot().problem?.code === 'daily-limit', 10_000, 'daily limit');
    await fx.stopAll();

    const pw = TEST_ACCOUNT.password;
    const fnv = (s: string) => {
      let h = 2166136261;
      for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
      return (h >>> 0).toString(36);
    };
    const derived = [
      pw,
      'Wrong-Password-42',
      fnv(pw),
      fnv('Wrong-Password-42'),
      `#${pw.length}:`,
      '#17:',
      '1x2y3z',
      legacyPasswordHash(pw).split('.')[0]!,
      createHash('sha256').update(pw).digest('hex'),
      await argon2Challenge(pw, TEST_ACCOUNT.salt!),
    ];
    const files = readdirSync(dir).filter((f) => f !== 'secrets.json');
    expect(files).toContain('state.json');
    for (const f of files) {
      const text = readFileSync(join(dir, f), 'utf8');
      for (const d of derived) expect(text, `${f} holds ${d}`).not.toContain(d);
    }
    expect(JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8'))['cloud.loginBlock'].email).toBe(TEST_ACCOUNT.email);
  });
});
