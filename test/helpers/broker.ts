/**
 * A real MQTT broker for integration tests: Debian's Mosquitto when installed (.ci/run installs it),
 * else an in-process aedes broker. Can stop and start again on the same port (broker outage tests).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/mqtt/embedded-broker.js';

const MOSQUITTO = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto'].find((p) => existsSync(p));

export interface TestBroker {
  url: string;
  port: number;
  kind: 'mosquitto' | 'aedes';
  stop(): Promise<void>;
  start(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = connect(port, '127.0.0.1');
      c.once('connect', () => (c.destroy(), resolve(true)));
      c.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`broker did not listen on ${port}`);
}

/** `users`: user → password; then anonymous access is refused (Mosquitto only). */
export async function startBroker(opts: { users?: Record<string, string>; forceAedes?: boolean } = {}): Promise<TestBroker> {
  const port = await freePort();
  if (MOSQUITTO && !opts.forceAedes) {
    const dir = mkdtempSync(join(tmpdir(), 'mosq-'));
    chmodSync(dir, 0o755); // as root, Mosquitto drops to its own user, which must read the password file
    const conf = [`listener ${port} 127.0.0.1`, 'persistence false', `log_dest file ${join(dir, 'log')}`];
    if (opts.users) {
      const pw = join(dir, 'passwd');
      writeFileSync(pw, '');
      for (const [u, p] of Object.entries(opts.users)) spawnSync('mosquitto_passwd', ['-b', pw, u, p]);
      conf.push('allow_anonymous false', `password_file ${pw}`);
    } else conf.push('allow_anonymous true');
    writeFileSync(join(dir, 'mosquitto.conf'), conf.join('\n') + '\n');
    let proc: ChildProcess | undefined;
    const b: TestBroker = {
      url: `mqtt://127.0.0.1:${port}`,
      port,
      kind: 'mosquitto',
      async start() {
        proc = spawn(MOSQUITTO, ['-c', join(dir, 'mosquitto.conf')], { stdio: 'ignore' });
        await waitForPort(port);
      },
      async stop() {
        if (!proc || proc.exitCode !== null) return;
        const p = proc;
        await new Promise<void>((resolve) => {
          p.once('exit', () => resolve());
          p.kill('SIGTERM');
        });
      },
    };
    await b.start();
    return b;
  }
  let embedded: EmbeddedBroker | undefined;
  const b: TestBroker = {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    kind: 'aedes',
    async start() {
      embedded = await startEmbeddedBroker(port);
    },
    async stop() {
      await embedded?.close();
      embedded = undefined;
    },
  };
  await b.start();
  return b;
}

export interface Received {
  topic: string;
  payload: string;
  retain: boolean;
  at: number;
}

/** A second MQTT client that records everything under `filter`. */
export async function watch(url: string, filter = '#'): Promise<{ client: MqttClient; messages: Received[]; last(topic: string): Received | undefined; close(): Promise<void> }> {
  const client = mqtt.connect(url, { clientId: `watcher-${Math.random().toString(16).slice(2)}`, reconnectPeriod: 200 });
  const messages: Received[] = [];
  client.on('message', (topic, payload, packet) => messages.push({ topic, payload: payload.toString(), retain: packet.retain, at: Date.now() }));
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => client.subscribe(filter, { qos: 1 }, (err) => (err ? reject(err) : resolve())));
    client.once('error', reject);
  });
  return {
    client,
    messages,
    last: (topic) => [...messages].reverse().find((m) => m.topic === topic),
    close: () => client.endAsync(true).then(() => undefined),
  };
}

export async function waitFor<T>(fn: () => T | undefined | false, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Retained messages as a fresh subscriber sees them. */
export async function retained(url: string, filter: string, settleMs = 400): Promise<Map<string, string>> {
  const w = await watch(url, filter);
  await new Promise((r) => setTimeout(r, settleMs));
  await w.close();
  return new Map(w.messages.filter((m) => m.retain).map((m) => [m.topic, m.payload]));
}
