/**
 * The MQTT connection against a real Mosquitto (aedes where it is missing): reconnect backoff, a wrong password in
 * plain words and retried rarely, a broker that goes down and comes back, the retained last will, nothing queued
 * while disconnected. Backoff is read from the client's next reconnect period, never timed.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { forgetSecrets, memoryLogger } from '../../src/log/logger.js';
import { describeMqttError, MqttConnection, type ConnectionOptions } from '../../src/mqtt/connection.js';
import { retained, startBroker, waitFor, watch, type TestBroker } from '../helpers/broker.js';

const WILL = 'test-bridge/bridge/state';
let broker: TestBroker;
let log: ReturnType<typeof memoryLogger>;
let open: { close(): Promise<void> }[] = [];

beforeEach(async () => {
  broker = await startBroker();
  log = memoryLogger();
});
afterEach(async () => {
  for (const o of open.reverse()) await o.close();
  open = [];
  await broker.stop();
  forgetSecrets();
});

function connection(over: Partial<ConnectionOptions> = {}): MqttConnection {
  const c = new MqttConnection({ url: broker.url, clientId: `conn-${Math.random().toString(16).slice(2)}`, logger: log.logger, reconnectMs: 100, maxReconnectMs: 400, ...over });
  open.push(c);
  return c;
}
const statuses = (c: MqttConnection) => {
  const seen: (string | undefined)[] = [];
  c.on('status', (p) => seen.push(p));
  return seen;
};

describe('reconnecting', () => {
  it('broker down: says so in words, waits twice as long each time up to maxReconnectMs; back up: connects, says so, starts again from the first wait', async () => {
    const c = connection();
    const seen = statuses(c);
    await waitFor(() => c.connected, 10_000, 'connected');
    const periods: number[] = [];
    c.client.on('close', () => periods.push(c.client.options.reconnectPeriod!));
    await broker.stop();
    await waitFor(() => periods.length >= 5, 15_000, 'five closed attempts');
    expect(periods.slice(0, 5)).toEqual([100, 200, 400, 400, 400]);
    expect(c.connected).toBe(false);
    expect(seen[0]).toBe(`Lost the connection to the MQTT broker ${c.where}; reconnecting.`);
    expect(c.problem).toBe(`Cannot reach the MQTT broker ${c.where} (connection refused). Is it running?`);
    expect(c.problemKind).toBe('refused');
    await broker.start();
    await waitFor(() => c.connected, 10_000, 'reconnected');
    expect(c.problem).toBeUndefined();
    expect(c.problemKind).toBeUndefined();
    expect(seen.at(-1)).toBeUndefined();
    expect(c.client.options.reconnectPeriod).toBe(100);
    expect(log.lines.filter((l) => l.includes('MQTT broker connection restored'))).toHaveLength(1);
    // Each problem is logged once, not once per attempt.
    expect(log.lines.filter((l) => l.includes('connection refused'))).toHaveLength(1);
  });

  it('subscriptions come back after a reconnect; nothing published while away is queued', async () => {
    const c = connection();
    const got: string[] = [];
    c.on('message', (topic, payload) => got.push(`${topic}=${payload}`));
    await waitFor(() => c.connected, 10_000, 'connected');
    c.subscribe('cmd/#');
    await broker.stop();
    await waitFor(() => !c.connected, 10_000, 'disconnected');
    const before = c.publishedCount;
    expect(c.publish('lost/while-away', 'x', { qos: 1 })).toBe(false);
    expect(c.publishedCount).toBe(before);
    await broker.start();
    await waitFor(() => c.connected, 10_000, 'reconnected');
    const w = await watch(broker.url);
    open.push(w);
    // The resubscription went out on connect; a message to it now must arrive.
    await waitFor(
      () => {
        w.client.publish('cmd/a', 'after');
        return got.includes('cmd/a=after');
      },
      10_000,
      'a message on the renewed subscription',
    );
    c.publish('marker/done', 'x', { qos: 1 });
    await waitFor(() => w.last('marker/done'), 5_000, 'the marker');
    expect(w.messages.some((m) => m.topic === 'lost/while-away')).toBe(false);
  });
});

describe('credentials', () => {
  let auth: TestBroker;
  beforeEach(async () => {
    auth = await startBroker({ users: { ha: 'right-secret' } });
    if (auth.kind !== 'mosquitto') throw new Error('This test needs Mosquitto (apt-get install mosquitto): aedes has no password file');
  });
  afterEach(async () => {
    for (const o of open.splice(0).reverse()) await o.close();
    await auth.stop();
  });

  it('a wrong password: the broker’s refusal in words, retried only after authRetryMs, the password in no line', async () => {
    const c = connection({ url: auth.url, username: 'ha', password: 'Wrong-Mqtt-Pw-99', authRetryMs: 120_000 });
    await waitFor(() => c.problemKind === 'bad-credentials', 10_000, 'the refusal');
    // Mosquitto 2 answers "not authorized" (5) to a wrong password, older brokers "bad user name or password" (4).
    expect(c.problem).toMatch(new RegExp(`^The MQTT broker ${c.where} rejected the (user name or password|login \\(not authorized\\))\\. Check the MQTT settings; retrying in 2 min\\.$`));
    await waitFor(() => !c.client.reconnecting || c.client.options.reconnectPeriod === 120_000, 5_000, 'the long wait');
    expect(c.client.options.reconnectPeriod).toBe(120_000);
    expect(c.connected).toBe(false);
    expect(log.lines.join('\n')).not.toContain('Wrong-Mqtt-Pw-99');
    expect(log.lines.filter((l) => l.includes(`The MQTT broker ${c.where} rejected the`))).toHaveLength(1);
  });

  it('the right password connects; from then on it is hidden in every log line, and `where` shows host and port only', async () => {
    const url = auth.url.replace('mqtt://', 'mqtt://ha:right-secret@');
    const c = connection({ url, password: 'right-secret' });
    await waitFor(() => c.connected, 10_000, 'connected');
    expect(c.where).toBe(`127.0.0.1:${auth.port}`);
    log.logger.info(`connected via ${url}`);
    log.logger.warn('a library echoed the password right-secret'); // any form, not only inside a URL
    expect(log.lines.join('\n')).not.toContain('right-secret');
  });
});

describe('the last will', () => {
  it('a connection that dies says offline for it (retained); a clean close does not', async () => {
    const c = connection({ will: { topic: WILL, payload: 'offline' } });
    await waitFor(() => c.connected, 10_000, 'connected');
    c.publish(WILL, 'online', { retain: true, qos: 1 });
    const w = await watch(broker.url, WILL);
    open.push(w);
    await waitFor(() => w.last(WILL)?.payload === 'online', 5_000, 'online');
    c.client.stream.destroy(); // gone without a DISCONNECT: the broker sends the will
    await waitFor(() => w.last(WILL)?.payload === 'offline', 10_000, 'the will');
    expect((await retained(broker.url, WILL)).get(WILL)).toBe('offline');

    await waitFor(() => c.connected, 10_000, 'reconnected');
    c.publish(WILL, 'online', { retain: true, qos: 1 });
    await waitFor(() => w.last(WILL)?.payload === 'online', 5_000, 'online again');
    await c.close([{ topic: 'test-bridge/last-word', payload: 'bye' }]);
    expect(c.connected).toBe(false);
    const kept = await retained(broker.url, 'test-bridge/#');
    expect(kept.get(WILL)).toBe('online');
    expect(kept.get('test-bridge/last-word')).toBe('bye');
  });

  it('no will for a short-lived reader (--once)', async () => {
    const c = connection();
    await waitFor(() => c.connected, 10_000, 'connected');
    expect(c.client.options.will).toBeUndefined();
  });
});

describe('problems in words', () => {
  it.each([
    [{ code: 4 }, 'The MQTT broker h:1883 rejected the user name or password.', true, 'bad-credentials'],
    [{ code: 135 }, 'The MQTT broker h:1883 rejected the login (not authorized).', true, 'bad-credentials'],
    [{ code: 'ECONNREFUSED' }, 'Cannot reach the MQTT broker h:1883 (connection refused). Is it running?', false, 'refused'],
    [{ code: 'ENOTFOUND' }, 'Cannot find the MQTT broker host h:1883.', false, 'unreachable'],
    [{ code: 'ETIMEDOUT' }, 'The MQTT broker h:1883 did not answer in time.', false, 'unreachable'],
    [{ message: 'self-signed certificate' }, 'TLS problem with the MQTT broker h:1883: self-signed certificate. Set a CA file or allow insecure TLS.', false, 'tls'],
    [{ message: 'odd' }, 'MQTT broker h:1883: odd', false, 'other'],
  ] as const)('%o → %s', (e, message, isAuth, kind) => {
    const err = Object.assign(new Error('message' in e ? e.message : 'x'), 'code' in e ? { code: e.code } : {});
    expect(describeMqttError(err, 'h:1883')).toEqual({ message, auth: isAuth, kind });
  });

  it('an unreadable CA file is a TLS problem in words; the app connects without it', async () => {
    const c = connection({ caFile: '/nonexistent/ca.pem' });
    expect(c.problemKind).toBe('tls');
    expect(c.problem).toBe('Cannot read the MQTT CA file /nonexistent/ca.pem (ENOENT); connecting without it.');
    await waitFor(() => c.connected, 10_000, 'connected anyway');
    expect(c.problem).toBeUndefined();
  });
});

describe('keep-alive riding on the publishes (beatGapMs)', () => {
  it('pings go out in publish wake-ups while the app publishes, on their own timer when it stops; the link stays up throughout', async () => {
    const c = connection({ keepaliveSec: 2, beatGapMs: 200 });
    await waitFor(() => c.client.connected, 5_000, 'connected');
    const pings: { at: number; inPublish: boolean }[] = [];
    let inPublish = false;
    c.client.on('packetsend', (p) => {
      if (p.cmd === 'pingreq') pings.push({ at: Date.now(), inPublish });
    });
    const publish = (): void => {
      inPublish = true;
      c.publish('keepalive-test/x', String(Date.now()));
      inPublish = false;
    };
    let closes = 0;
    c.client.on('close', () => closes++);
    const tick = setInterval(publish, 200);
    try {
      await waitFor(() => pings.length >= 2, 10_000, 'two pings while publishing');
    } finally {
      clearInterval(tick);
    }
    const quietFrom = pings.length;
    await waitFor(() => pings.length >= quietFrom + 2, 10_000, 'two pings without publishes');
    expect(closes).toBe(0);
    expect(c.client.connected).toBe(true);
    // While publishing, each ping left inside a publish call (the same wake-up); after that, on the plain timer.
    expect(pings.map((p) => p.inPublish)).toEqual([...pings.slice(0, quietFrom).map(() => true), ...pings.slice(quietFrom).map(() => false)]);
    // Spaced by about the keep-alive (2 s), not more often: the check runs once per half keep-alive.
    const gaps = pings.slice(1).map((p, i) => p.at - pings[i]!.at);
    expect(Math.min(...gaps)).toBeGreaterThan(1_000);
  }, 30_000);
});
