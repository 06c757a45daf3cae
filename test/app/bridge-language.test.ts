/**
 * Home Assistant entity names follow the language of the first discovery and keep it: a later change of the
 * app's language (OS or setting) does not rename entities. Real bridge, fake cloud, real broker.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ENTITY_LANGUAGE_KEY } from '../../src/app/bridge.js';
import { setLanguage } from '../../src/i18n/index.js';
import { retained } from '../helpers/broker.js';
import { useBridgeFixture } from '../helpers/bridge.js';
import { memoryState } from '../helpers/stores.js';
import type { TestBroker } from '../helpers/broker.js';

const SN = '280024290529';
const TOPIC = `homeassistant/device/hoymiles_msa2_${SN}/config`;
const fx = useBridgeFixture();
let broker: TestBroker;
beforeEach(() => {
  ({ broker } = fx);
});
afterEach(() => setLanguage('en'));

async function discoveryNames(): Promise<Record<string, string>> {
  const end = Date.now() + 10_000;
  for (;;) {
    const v = (await retained(broker.url, TOPIC)).get(TOPIC);
    if (v) {
      const config = JSON.parse(v) as { components: Record<string, { name: string }> };
      return Object.fromEntries(Object.entries(config.components).map(([k, c]) => [k, c.name]));
    }
    if (Date.now() > end) throw new Error(`no discovery config on ${TOPIC}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Polls until the names satisfy `ok` (a restarted bridge announces again a moment later). */
async function namesUntil(ok: (n: Record<string, string>) => boolean): Promise<Record<string, string>> {
  const end = Date.now() + 10_000;
  let last = await discoveryNames();
  while (!ok(last) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 200));
    last = await discoveryNames();
  }
  return last;
}

describe('entity names', () => {
  it('are German when the first discovery was German, and stay so after the app turns English', async () => {
    const state = memoryState();
    setLanguage('de');
    fx.bridge({}, { state });
    const first = await discoveryNames();
    expect(first.soc).toBe('Ladezustand');
    expect(first.charge_energy_today).toBe('Heute geladen');
    expect(first.cloud).toBe('Cloud-Verbindung');
    expect(state.data[ENTITY_LANGUAGE_KEY]).toBe('de');
    await fx.stopAll();

    setLanguage('en');
    fx.bridge({}, { state });
    await new Promise((r) => setTimeout(r, 1_500)); // the restarted bridge announces again
    expect(fx.log.lines.join('\n')).not.toMatch(/ERROR/);
    expect((await discoveryNames()).soc).toBe('Ladezustand');
  });

  it('are English by default', async () => {
    const state = memoryState();
    fx.bridge({}, { state });
    expect((await discoveryNames()).soc).toBe('State of charge');
    expect(state.data[ENTITY_LANGUAGE_KEY]).toBe('en');
  });

  it('switch when the kept language is removed from the state (README: how to switch)', async () => {
    const state = memoryState({ [ENTITY_LANGUAGE_KEY]: 'en' });
    setLanguage('de');
    fx.bridge({}, { state });
    expect((await discoveryNames()).soc).toBe('State of charge');
    await fx.stopAll();
    delete state.data[ENTITY_LANGUAGE_KEY];
    fx.bridge({}, { state });
    expect((await namesUntil((n) => n.soc === 'Ladezustand')).soc).toBe('Ladezustand');
  });
});
