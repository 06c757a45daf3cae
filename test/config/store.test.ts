import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeychainSecretStore, keyringLoadFailure, openSecretStore, type KeyringModule } from '../../src/config/keychain.js';
import { FileSecretStore, MemorySecretStore } from '../../src/config/secrets.js';
import { DEFAULTS } from '../../src/config/app-settings.js';
import { ConfigStore, StateStore } from '../../src/config/store.js';
import { memoryLogger } from '../../src/log/logger.js';

const mode = (p: string) => statSync(p).mode & 0o777;
const posix = process.platform !== 'win32';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hoymiles-config-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('ConfigStore', () => {
  it('starts with the defaults and no file', () => {
    const { logger } = memoryLogger();
    const store = new ConfigStore({ dir, logger });
    expect(store.load()).toEqual(DEFAULTS);
    expect(store.warning).toBeUndefined();
    expect(store.dir).toBe(dir);
    expect(store.path).toBe(join(dir, 'config.json'));
  });

  it('saves and loads the settings, in a file only the user can read', () => {
    const { logger } = memoryLogger();
    const store = new ConfigStore({ dir, logger });
    store.save({ hoymilesEmail: 'a@b.c', mqttUrl: 'mqtts://broker:8883', intervalSec: 30, stationIds: [7, 9], notifyLowSoc: false });
    const again = new ConfigStore({ dir, logger });
    const s = again.load();
    expect(s).toMatchObject({ hoymilesEmail: 'a@b.c', mqttUrl: 'mqtts://broker:8883', intervalSec: 30, stationIds: [7, 9], notifyLowSoc: false });
    expect(s.baseTopic).toBe(DEFAULTS.baseTopic);
    if (posix) expect(mode(store.path)).toBe(0o600);
  });

  it('takes its folder from HOYMILES_TRAY_CONFIG_DIR', () => {
    const { logger } = memoryLogger();
    const store = new ConfigStore({ logger, env: { HOYMILES_TRAY_CONFIG_DIR: dir } });
    expect(store.dir).toBe(dir);
  });

  it('never writes passwords to config.json', () => {
    const { logger } = memoryLogger();
    const store = new ConfigStore({ dir, logger });
    store.save({ hoymilesEmail: 'a@b.c', hoymilesPassword: 'hunter2-secret', mqttPassword: 'broker-secret' });
    const text = readFileSync(store.path, 'utf8');
    expect(text).not.toContain('hunter2-secret');
    expect(text).not.toContain('broker-secret');
    expect(text).not.toMatch(/Password/);
    expect(store.load().hoymilesPassword).toBe('');
  });

  it('ignores passwords someone wrote into config.json by hand', () => {
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ hoymilesPassword: 'x', mqttPassword: 'y', baseTopic: 'bat' }));
    const { logger } = memoryLogger();
    const s = new ConfigStore({ dir, logger }).load();
    expect(s.hoymilesPassword).toBe('');
    expect(s.mqttPassword).toBe('');
    expect(s.baseTopic).toBe('bat');
  });

  it('publishEnabled reads and writes through', () => {
    const { logger } = memoryLogger();
    const store = new ConfigStore({ dir, logger });
    expect(store.publishEnabled).toBe(true);
    store.publishEnabled = false;
    expect(new ConfigStore({ dir, logger }).publishEnabled).toBe(false);
    expect(store.load().publishEnabled).toBe(false);
  });

  it('sets a file with broken JSON aside, warns and uses the defaults', () => {
    writeFileSync(join(dir, 'config.json'), '{"baseTopic": "x",');
    const { logger, lines } = memoryLogger();
    const store = new ConfigStore({ dir, logger });
    const aside = readdirSync(dir).filter((f) => f.startsWith('config.json.corrupt-'));
    expect(aside).toHaveLength(1);
    expect(aside[0]).toMatch(/^config\.json\.corrupt-\d{4}-\d\d-\d\dT\d{6}(\.\d+)?Z$/);
    expect(readFileSync(join(dir, aside[0]!), 'utf8')).toBe('{"baseTopic": "x",');
    expect(store.warning).toMatch(/^The settings file was damaged; it was set aside as .*config\.json\.corrupt-.* and defaults are used\.$/);
    expect(lines.join('\n')).toContain('damaged');
    expect(store.load()).toEqual(DEFAULTS);
    // and it works normally afterwards
    store.save({ baseTopic: 'fresh' });
    expect(new ConfigStore({ dir, logger }).load().baseTopic).toBe('fresh');
  });

  it('sets aside a file whose values have the wrong type (schema)', () => {
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ intervalSec: 'often', baseTopic: 'kept?' }));
    const { logger } = memoryLogger();
    const store = new ConfigStore({ dir, logger });
    expect(readdirSync(dir).some((f) => f.startsWith('config.json.corrupt-'))).toBe(true);
    expect(store.warning).toContain('damaged');
    expect(store.load()).toEqual(DEFAULTS);
  });

  it('a file that is JSON but not an object is damaged too', () => {
    writeFileSync(join(dir, 'config.json'), '[1,2,3]');
    const { logger } = memoryLogger();
    const store = new ConfigStore({ dir, logger });
    expect(store.warning).toContain('damaged');
    expect(store.load()).toEqual(DEFAULTS);
  });

  it('a file damaged while running is set aside on the next read', () => {
    const { logger } = memoryLogger();
    const store = new ConfigStore({ dir, logger });
    store.save({ baseTopic: 'one' });
    writeFileSync(store.path, 'garbage');
    expect(store.load().baseTopic).toBe(DEFAULTS.baseTopic);
    expect(store.warning).toContain('damaged');
    store.save({ baseTopic: 'two' });
    expect(store.load().baseTopic).toBe('two');
  });

  it('a value of the right type but out of range falls back to its default with a warning', () => {
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ intervalSec: 0, baseTopic: 'bat' }));
    const { logger } = memoryLogger();
    const store = new ConfigStore({ dir, logger });
    const s = store.load();
    expect(s.intervalSec).toBe(DEFAULTS.intervalSec);
    expect(s.baseTopic).toBe('bat');
    expect(store.warning).toContain('intervalSec');
  });
});

describe('StateStore', () => {
  it('keeps values between runs, mode 0600, beside config.json', () => {
    const { logger } = memoryLogger();
    const state = new StateStore({ dir, logger });
    expect(state.get('energy.counters')).toBeUndefined();
    state.set('energy.counters', { a: 1 });
    state.set('cloud.loginBlock', { until: 5 });
    expect(state.path).toBe(join(dir, 'state.json'));
    const again = new StateStore({ dir, logger });
    expect(again.get<{ a: number }>('energy.counters')).toEqual({ a: 1 });
    again.delete('cloud.loginBlock');
    expect(new StateStore({ dir, logger }).get('cloud.loginBlock')).toBeUndefined();
    expect(new StateStore({ dir, logger }).get('energy.counters')).toEqual({ a: 1 });
    if (posix) expect(mode(state.path)).toBe(0o600);
  });

  it('writes the file only when a value changed', () => {
    const { logger } = memoryLogger();
    const state = new StateStore({ dir, logger });
    state.set('energy.counters', { a: { value: 1, date: '2026-01-01' } });
    const first = statSync(state.path).ino; // an atomic write replaces the file, so a new inode means a write
    state.set('energy.counters', { a: { value: 1, date: '2026-01-01' } });
    state.delete('not-there');
    expect(statSync(state.path).ino).toBe(first);
    state.set('energy.counters', { a: { value: 2, date: '2026-01-01' } });
    expect(statSync(state.path).ino).not.toBe(first);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('sets a damaged state file aside and starts empty', () => {
    writeFileSync(join(dir, 'state.json'), '\u0000\u0001 not json');
    const { logger } = memoryLogger();
    const state = new StateStore({ dir, logger });
    expect(readdirSync(dir).some((f) => /^state\.json\.corrupt-/.test(f))).toBe(true);
    expect(state.warning).toMatch(/^The state file was damaged; it was set aside as /);
    expect(state.get('x')).toBeUndefined();
    state.set('x', 1);
    expect(state.get('x')).toBe(1);
  });
});

describe('secret stores', () => {
  it('FileSecretStore writes secrets.json with mode 0600', async () => {
    const s = new FileSecretStore(dir);
    await s.set('mqttPassword', 'pw1');
    expect(await new FileSecretStore(dir).get('mqttPassword')).toBe('pw1');
    if (posix) expect(mode(join(dir, 'secrets.json'))).toBe(0o600);
    await s.delete('mqttPassword');
    expect(await s.get('mqttPassword')).toBeUndefined();
  });

  it('openSecretStore falls back to the file when the keychain does not work (this machine)', async () => {
    const { logger, lines } = memoryLogger();
    const store = await openSecretStore({ dir, logger, env: {} });
    // A CI/Linux box without a Secret Service: the file; a desktop with a keychain: the keychain.
    if (store.kind === 'file') {
      expect(lines.join('\n')).toMatch(/No usable system keychain .*secrets\.json/);
      await store.set('hoymilesPassword', 'pw');
      expect(JSON.parse(readFileSync(join(dir, 'secrets.json'), 'utf8'))).toEqual({ hoymilesPassword: 'pw' });
    } else {
      expect(store.kind).toBe('keychain');
    }
  });

  it('openSecretStore falls back when the keyring module is missing', async () => {
    const { logger, lines } = memoryLogger();
    const error = keyringLoadFailure(new Error("Cannot find module '@napi-rs/keyring'"));
    const store = await openSecretStore({ dir, logger, env: {}, loadKeyring: async () => ({ error }) });
    expect(store.kind).toBe('file');
    expect(lines.join('\n')).toMatch(/No usable system keychain was found \(the keychain add-on is not installed\); passwords are kept in .*secrets\.json instead/);
  });

  it("says in our words why the addon did not load, never napi-rs's advice to reinstall with npm", () => {
    // The shape @napi-rs/keyring throws (seen under Wine): its own advice on top, the reasons in `cause`.
    const napi = (last: Error) => {
      const top = new Error('Cannot find native binding. npm has a bug related to optional dependencies (https://github.com/npm/cli/issues/4828). Please try `npm i` again.');
      const wasi = new Error("Cannot find module '@napi-rs/keyring-wasm32-wasi'\nRequire stack:\n- C:\\app\\index.js");
      const pkgMissing = new Error("Cannot find module '@napi-rs/keyring-win32-x64-msvc'\nRequire stack:\n- C:\\app\\index.js");
      top.cause = wasi;
      wasi.cause = pkgMissing;
      pkgMissing.cause = last;
      return top;
    };
    const wine = keyringLoadFailure(napi(new Error('Module not found.\r\n\\\\?\\C:\\app\\keyring.win32-x64-msvc.node')));
    expect(wine).toBe('the keychain add-on is there but this system cannot load it: Module not found');
    const absent = keyringLoadFailure(napi(new Error("Cannot find module './keyring.win32-x64-msvc.node'")));
    expect(absent).toBe('the keychain add-on is not installed');
    expect(keyringLoadFailure('something odd')).toBe('the keychain add-on could not be loaded');
    for (const m of [wine, absent]) expect(m).not.toMatch(/npm|Require stack/);
  });

  it('mode file and HOYMILES_TRAY_SECRETS=file skip the keychain', async () => {
    const { logger } = memoryLogger();
    let probed = false;
    const loadKeyring = async () => {
      probed = true;
      return { error: 'x' };
    };
    expect((await openSecretStore({ dir, logger, mode: 'file', loadKeyring })).kind).toBe('file');
    expect((await openSecretStore({ dir, logger, env: { HOYMILES_TRAY_SECRETS: 'file' }, loadKeyring })).kind).toBe('file');
    expect(probed).toBe(false);
  });

  it('mode keychain refuses to fall back; a bad HOYMILES_TRAY_SECRETS is an error', async () => {
    const { logger } = memoryLogger();
    await expect(openSecretStore({ dir, logger, mode: 'keychain', loadKeyring: async () => ({ error: 'missing' }) })).rejects.toThrow(/keychain cannot be used/);
    await expect(openSecretStore({ dir, logger, env: { HOYMILES_TRAY_SECRETS: 'vault' } })).rejects.toThrow(/HOYMILES_TRAY_SECRETS="vault"/);
  });

  it('with a working keychain: pins Linux to the Secret Service and moves file secrets into it', async () => {
    const fake = fakeKeyring();
    await new FileSecretStore(dir).set('mqttPassword', 'from-file');
    const { logger } = memoryLogger();
    const store = await openSecretStore({ dir, logger, env: {}, loadKeyring: async () => ({ keyring: fake.module }) });
    expect(store).toBeInstanceOf(KeychainSecretStore);
    expect(await store.get('mqttPassword')).toBe('from-file');
    expect(await new FileSecretStore(dir).get('mqttPassword')).toBeUndefined();
    expect(fake.options.every((o) => o?.linux?.store === 'secret-service')).toBe(true);
    expect([...fake.values.keys()]).toEqual(['hoymiles-tray/mqttPassword']); // the probe entry was removed
    await store.set('hoymilesPassword', 'x');
    await store.delete('hoymilesPassword');
    expect(await store.get('hoymilesPassword')).toBeUndefined();
  });

  it('MemorySecretStore works as a test double', async () => {
    const m = new MemorySecretStore();
    await m.set('cloudToken', 't');
    expect(await m.get('cloudToken')).toBe('t');
  });
});

/** An in-memory stand-in for @napi-rs/keyring's AsyncEntry. */
function fakeKeyring() {
  const values = new Map<string, string>();
  const options: any[] = [];
  class AsyncEntry {
    private readonly key: string;
    constructor(service: string, account: string, opts?: unknown) {
      this.key = `${service}/${account}`;
      options.push(opts);
    }
    async setPassword(p: string) {
      values.set(this.key, p);
    }
    async getPassword() {
      return values.get(this.key) ?? null;
    }
    async deletePassword() {
      return values.delete(this.key);
    }
  }
  return { module: { AsyncEntry } as unknown as KeyringModule, values, options };
}
