import { describe, expect, it } from 'vitest';
import { argon2Challenge, legacyPasswordHash, loginError, nextLoginDay } from '../../src/cloud/auth.js';

describe('login encodings (reference §3.7 test vectors)', () => {
  it('Argon2id challenge uses the hex-decoded salt', async () => {
    expect(await argon2Challenge('testpassword123', 'd5e3f019748d7a36d69840fdfd873d15')).toBe(
      '3c5d1ece590f242aa94b901f3940ebfd89b7bd0fdd21132a69e4321d6436a409',
    );
  });
  it('legacy md5hex.base64(sha256)', () => {
    expect(legacyPasswordHash('NoCloud4Hoymiles')).toBe('b8e134c5cb0dff96842724b7cb238500.FEMBBJ32xHaBEMWJk81VLFJs7+Oc2RIhq/4did7zVwA=');
  });
});

describe('login answers become distinct, readable errors', () => {
  it.each([
    ['Login failed. Please check your account and password.', '1', 'wrong-password'],
    ['Log in failed. Please check your account and password.#7', '1', 'wrong-password'],
    ['Log in failed', '7', 'wrong-password'],
    ['The number of logins exceeds the daily maximum limit.', '1', 'daily-limit'],
    ['Your app version is low. Please update to the latest version.', '1', 'app-rejected'],
    ['Can only login to the S-Miles Home.', '1', 'app-rejected'],
    ['User does not exist', '1', 'unknown-account'],
    ['Account locked.', '1', 'locked'],
    ['Something else', '9', 'api'],
  ])('%s → %s', (message, status, kind) => {
    expect(loginError({ status, message }).kind).toBe(kind);
  });

  it('the daily limit lifts a few minutes after local midnight', () => {
    const now = new Date(2026, 10, 24, 15, 30);
    const e = loginError({ status: '1', message: 'The number of logins exceeds the daily maximum limit.' }, now);
    expect(e.detail?.retryAt?.getTime()).toBe(new Date(2026, 10, 25, 0, 5).getTime());
    expect(nextLoginDay(new Date(2026, 10, 24, 23, 59)).getDate()).toBe(25);
  });
});
