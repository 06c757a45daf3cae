/**
 * The benchmark's floor (bundled to dist/bench-floor.cjs exactly like the app, and started like it, through
 * floor-main.ts): what no bridge can avoid, with
 * the same libraries. Every interval one POST through the same undici parts as the app (keep-alive agent,
 * request API) to the burst endpoint, the JSON parsed, and one MQTT.js publish on an open connection (MQTT.js
 * set up as the app sets it up). It answers the same diagnostics signal as the app.
 */
import Agent from 'undici/lib/dispatcher/agent.js';
import apiRequest from 'undici/lib/api/api-request.js';
import mqtt from 'mqtt';
import { enableDiagnostics } from '../../src/app/diagnostics.js';

const env = process.env;
const url = new URL(env.FLOOR_URL!);
const body = JSON.stringify({ m: 0, sid: Number(env.FLOOR_SID) });
const headers = { authorization: env.FLOOR_TOKEN!, 'content-type': 'application/json; charset=utf-8' };
const agent = new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 120_000 });
const client = mqtt.connect(env.MQTT_URL!, { clean: true, keepalive: 60, queueQoSZero: false, writeCache: false, reconnectPeriod: 2_000 });
let cycles = 0;
let failures = 0;

async function cycle(): Promise<void> {
  const res = await apiRequest.call(agent, { origin: url.origin, path: url.pathname + url.search, method: 'POST', headers, body });
  const json = JSON.parse(await res.body.text()) as { data?: { soc?: number; power?: { bat?: number } } };
  client.publish(env.FLOOR_TOPIC!, JSON.stringify({ soc: json.data?.soc ?? null, battery_power: json.data?.power?.bat ?? null }), { qos: 0, retain: true });
  cycles++;
}

setInterval(() => void cycle().catch(() => failures++), Number(env.FLOOR_INTERVAL_MS));
enableDiagnostics(() => ({ cycles, failures }));
