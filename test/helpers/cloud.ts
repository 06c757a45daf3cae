/** Builds a real CloudClient against a FakeCloud, with an in-memory session store. */
import { CloudClient, type Credentials, type SessionStore } from '../../src/cloud/client.js';
import { memoryLogger } from '../../src/log/logger.js';
import { TEST_ACCOUNT, type FakeCloud } from '../fake-cloud/server.js';

export function memorySession(initial?: { token: string; email: string }): SessionStore & { token?: { token: string; email: string }; block?: any } {
  const s: SessionStore & { token?: { token: string; email: string }; block?: any } = {
    token: initial,
    block: undefined,
    async loadToken() {
      return s.token;
    },
    async saveToken(token, email) {
      s.token = { token, email };
    },
    async clearToken() {
      s.token = undefined;
    },
    loadLoginBlock() {
      return s.block;
    },
    saveLoginBlock(b) {
      s.block = b;
    },
  };
  return s;
}

export function clientFor(
  cloud: FakeCloud,
  opts: { credentials?: Credentials; session?: SessionStore; wrongPasswordRetryMs?: number | null; now?: () => number; timeoutMs?: number } = {},
) {
  const { logger, lines } = memoryLogger();
  const creds = { current: opts.credentials ?? { email: TEST_ACCOUNT.email, password: TEST_ACCOUNT.password } };
  const session = (opts.session ?? memorySession()) as ReturnType<typeof memorySession>;
  const client = new CloudClient({
    baseUrl: cloud.url,
    credentials: () => creds.current,
    session,
    logger,
    wrongPasswordRetryMs: opts.wrongPasswordRetryMs,
    now: opts.now,
    timeoutMs: opts.timeoutMs ?? 3000,
  });
  return { client, lines, session, creds };
}
