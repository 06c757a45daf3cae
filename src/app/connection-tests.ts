/** The settings page's "Test login" and "Test connection": one try each with the values typed, nothing stored. */
import mqtt from 'mqtt';
import { CloudClient } from '../cloud/client.js';
import { CloudError } from '../cloud/errors.js';
import { addSecret, type Logger } from '../log/logger.js';
import { describeMqttError } from '../mqtt/connection.js';
import { classifyTopic, nativeTopics } from '../native/topics.js';
import { MAX_UNITS } from '../native/source.js';
import { t } from '../i18n/index.js';
import { checkedState, sessionStore } from './bridge.js';
import type { Stores } from './stores.js';

/** Logs in once (through `apiUrl`, the API the app uses now); resolves with the stations and batteries found. */
export async function testLogin(o: { apiUrl: string; stores: Stores; log: Logger }, email: string, password: string) {
  addSecret(password);
  const client = new CloudClient({
    baseUrl: o.apiUrl || undefined,
    credentials: () => ({ email, password }),
    // No token or block of its own; its logins count towards the day's logins (login-guard.ts).
    session: {
      ...sessionStore(o.stores.secrets, checkedState(o.stores.state, o.log.child('config'))),
      loadToken: async () => undefined,
      saveToken: async () => undefined,
      clearToken: async () => undefined,
      loadLoginBlock: () => undefined,
      saveLoginBlock: () => undefined,
    },
    logger: o.log.child('test-login'),
    wrongPasswordRetryMs: null,
  });
  try {
    const stations = await client.listStations();
    return { stations: stations.map((s) => ({ sid: s.sid, name: s.name, batteries: s.batteries.map((b) => b.sn) })) };
  } catch (e) {
    // The page shows the cloud's own reason beside ours.
    const said = e instanceof CloudError ? e.detail?.apiMessage : undefined;
    if (said && e instanceof Error) throw new Error(`${e.message} (The Hoymiles cloud said: "${said}")`);
    throw e;
  } finally {
    await client.close();
  }
}

/**
 * Connects once with the given values; resolves when the broker accepts (with the batteries whose own MQTT feed
 * it sees within a moment, "Found MSA-… on your broker"), rejects with words when not.
 */
export function testMqtt(url: string, user: string, password: string, listenMs = 1_500): Promise<{ found: string[] }> {
  addSecret(password);
  return new Promise((resolve, reject) => {
    let client: ReturnType<typeof mqtt.connect>;
    try {
      client = mqtt.connect(url, { username: user || undefined, password: password || undefined, reconnectPeriod: 0, connectTimeout: 5_000, clientId: `hoymiles-tray-test-${process.pid}` });
    } catch (e) {
      reject(new Error(`Invalid broker URL: ${(e as Error).message}`));
      return;
    }
    const found = new Set<string>();
    let listening: NodeJS.Timeout | undefined;
    const done = (err?: Error) => {
      clearTimeout(timer);
      clearTimeout(listening);
      client.end(true);
      if (err) reject(err);
      else resolve({ found: [...found].sort() });
    };
    const timer = setTimeout(() => done(new Error(t('page.err.brokerSilent'))), 6_000);
    client.on('message', (topic) => {
      const t = classifyTopic(topic);
      if (t && (t.what === 'announce' || t.what === 'state') && found.size < MAX_UNITS) found.add(t.dev);
    });
    client.once('connect', () => {
      clearTimeout(timer);
      // The callback keeps an unanswered subscription (the client ends after listenMs) from throwing.
      client.subscribe([nativeTopics.filters[0]!, nativeTopics.filters[3]!], { qos: 0 }, () => undefined);
      listening = setTimeout(() => done(), listenMs);
    });
    client.once('error', (e: Error & { code?: string | number }) => {
      let where = 'broker';
      try {
        where = new URL(url).host;
      } catch {
        /* the URL was checked by mqtt.connect already */
      }
      done(new Error(describeMqttError(e, where).message));
    });
  });
}
