/** Which cloud errors stop the logins until something changes, and which are tried again soon. */
import { describe, expect, it } from 'vitest';
import { CloudError, type CloudErrorKind } from '../../src/cloud/errors.js';

describe('CloudError', () => {
  it.each<[CloudErrorKind, boolean]>([
    ['wrong-password', true],
    ['daily-limit', true],
    ['app-rejected', true],
    ['unknown-account', true],
    ['locked', true],
    ['no-credentials', true],
    ['login-paused', true],
    ['network', false],
    ['timeout', false],
    ['http', false],
    ['bad-response', false],
    ['api', false],
    ['token-expired', false],
    ['no-battery', false],
  ])('%s: an auth problem = %s', (kind, auth) => {
    const e = new CloudError(kind, 'words');
    expect(e.isAuthProblem).toBe(auth);
    expect(e).toBeInstanceOf(Error);
    expect([e.name, e.message]).toEqual(['CloudError', 'words']);
  });
});
