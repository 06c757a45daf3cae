/**
 * The OS keychain as a SecretStore (Windows Credential Manager, macOS Keychain, Linux Secret Service),
 * through @napi-rs/keyring. The addon is native and kept out of the bundle, so it is loaded lazily and may be
 * missing; then, or when the keychain does not answer, the passwords go to a user-only file instead.
 *
 * Linux: entries are pinned to the Secret Service. Without that pin the addon quietly falls back to the
 * kernel keyring, which forgets everything at reboot; pinned, a missing Secret Service is an error we can see.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { Logger } from '../log/logger.js';
import { ConfigError } from './env.js';
import { FileSecretStore, type SecretName, type SecretStore } from './secrets.js';

export const KEYCHAIN_SERVICE = 'hoymiles-tray';
const PROBE_ACCOUNT = 'hoymiles-tray-probe';
const ALL_SECRETS: SecretName[] = ['hoymilesPassword', 'mqttPassword', 'cloudToken'];

/** The part of @napi-rs/keyring this file uses. */
export type KeyringModule = Pick<typeof import('@napi-rs/keyring'), 'AsyncEntry'>;

/** Loads the native addon; undefined (with the reason) when it is not installed or does not load here. */
export async function loadKeyring(): Promise<{ keyring?: KeyringModule; error?: string }> {
  try {
    const mod = (await import('@napi-rs/keyring')) as KeyringModule & { default?: KeyringModule };
    const keyring = typeof mod.AsyncEntry === 'function' ? mod : mod.default;
    if (!keyring || typeof keyring.AsyncEntry !== 'function') return { error: 'the keyring module has no AsyncEntry' };
    return { keyring };
  } catch (err) {
    return { error: keyringLoadFailure(err) };
  }
}

/**
 * Why the addon did not load, in our words. napi-rs's own message blames npm ("npm has a bug … try `npm i`
 * again"), which means nothing to someone who downloaded the executable; the real reason is deeper in its
 * `cause` chain: either no addon for this platform, or an addon the OS refuses to load (under Wine, for one:
 * "Module not found", because a system DLL it links against is missing).
 */
export function keyringLoadFailure(err: unknown): string {
  const messages: string[] = [];
  for (let e = err, depth = 0; e && depth < 12; e = (e as { cause?: unknown }).cause, depth++) {
    messages.push(e instanceof Error ? e.message : String(e));
  }
  const firstLine = (m: string) => (m.split(/\r?\n/)[0] ?? '').trim().slice(0, 160);
  const refused = messages.find((m) => /\.node\b/.test(m) && !/Cannot find module/.test(m));
  if (refused) return `the keychain add-on is there but this system cannot load it: ${firstLine(refused).replace(/\s*\.$/, '') || 'no reason given'}`;
  if (messages.length && messages.every((m) => /Cannot find module|Cannot find native binding/.test(m))) return 'the keychain add-on is not installed';
  return 'the keychain add-on could not be loaded';
}

async function withTimeout<T>(ms: number, what: string, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      ac.abort();
      reject(new Error(`the keychain did not answer within ${Math.round(ms / 1000)} s (${what})`));
    }, ms);
    timer.unref?.();
  });
  try {
    // Entry constructors can throw synchronously (no D-Bus session, for one): keep that inside the race.
    return await Promise.race([Promise.resolve().then(() => run(ac.signal)), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export class KeychainSecretStore implements SecretStore {
  readonly kind = 'keychain' as const;
  private readonly service: string;
  private readonly timeoutMs: number;

  constructor(
    private readonly keyring: KeyringModule,
    opts: { service?: string; timeoutMs?: number } = {},
  ) {
    this.service = opts.service ?? KEYCHAIN_SERVICE;
    // Generous: unlocking a locked keychain can show a password prompt to the user.
    this.timeoutMs = opts.timeoutMs ?? 60_000;
  }

  private entry(account: string) {
    return new this.keyring.AsyncEntry(this.service, account, { linux: { store: 'secret-service' } });
  }

  async get(name: SecretName): Promise<string | undefined> {
    const v = await withTimeout(this.timeoutMs, 'read', (signal) => this.entry(name).getPassword(signal));
    return v ?? undefined;
  }

  async set(name: SecretName, value: string): Promise<void> {
    await withTimeout(this.timeoutMs, 'write', (signal) => this.entry(name).setPassword(value, signal));
  }

  async delete(name: SecretName): Promise<void> {
    await withTimeout(this.timeoutMs, 'delete', (signal) => this.entry(name).deletePassword(signal));
  }

  /** Write, read back and remove a throw-away entry; throws with the reason when the keychain is not usable. */
  async probe(timeoutMs = 20_000): Promise<void> {
    const value = randomBytes(12).toString('base64url');
    const entry = this.entry(PROBE_ACCOUNT);
    await withTimeout(timeoutMs, 'probe write', (signal) => entry.setPassword(value, signal));
    const back = await withTimeout(timeoutMs, 'probe read', (signal) => entry.getPassword(signal));
    await withTimeout(timeoutMs, 'probe delete', (signal) => entry.deletePassword(signal));
    if (back !== value) throw new Error('the keychain did not return what was stored');
  }
}

export type SecretsMode = 'auto' | 'keychain' | 'file';

export interface OpenSecretStoreOptions {
  /** The config folder: secrets.json goes here when there is no keychain. */
  dir: string;
  /** Default: HOYMILES_TRAY_SECRETS, else 'auto'. */
  mode?: SecretsMode;
  logger: Logger;
  /** For tests: default process.env. */
  env?: Record<string, string | undefined>;
  /** For tests: default loads @napi-rs/keyring. */
  loadKeyring?: () => Promise<{ keyring?: KeyringModule; error?: string }>;
  /** For tests: the keychain service name (default 'hoymiles-tray'). */
  service?: string;
}

/**
 * The SecretStore to use: 'keychain' requires the OS keychain (error if unusable), 'file' uses secrets.json,
 * 'auto' tries the keychain with a write/read/delete round trip and falls back to the file with a note.
 */
export async function openSecretStore(opts: OpenSecretStoreOptions): Promise<SecretStore> {
  const log = opts.logger;
  const raw = (opts.env ?? process.env).HOYMILES_TRAY_SECRETS?.trim().toLowerCase();
  if (!opts.mode && raw && !['auto', 'keychain', 'file'].includes(raw)) {
    throw new ConfigError(`HOYMILES_TRAY_SECRETS="${raw}" is not valid: use auto, keychain or file.`);
  }
  const mode: SecretsMode = opts.mode ?? ((raw || 'auto') as SecretsMode);
  const file = new FileSecretStore(opts.dir);
  if (mode === 'file') {
    log.info(`Passwords are kept in ${file.path} (readable only by this user).`);
    return file;
  }

  let reason: string;
  const loaded = await (opts.loadKeyring ?? loadKeyring)();
  if (loaded.keyring) {
    const keychain = new KeychainSecretStore(loaded.keyring, { service: opts.service });
    try {
      await keychain.probe();
      log.info('Passwords are kept in the system keychain.');
      await moveFileSecrets(file, keychain, log);
      return keychain;
    } catch (err) {
      reason = err instanceof Error ? err.message : String(err);
    }
  } else {
    reason = loaded.error ?? 'the keychain add-on could not be loaded';
  }

  if (mode === 'keychain') {
    throw new ConfigError(`HOYMILES_TRAY_SECRETS=keychain, but the system keychain cannot be used: ${reason}`);
  }
  log.warn(`No usable system keychain was found (${reason}); passwords are kept in ${file.path} instead, readable only by this user.`);
  return file;
}

/** Secrets left in secrets.json from a run without a keychain move into the keychain, then the file forgets them. */
async function moveFileSecrets(file: FileSecretStore, keychain: SecretStore, log: Logger): Promise<void> {
  if (!existsSync(file.path)) return;
  for (const name of ALL_SECRETS) {
    try {
      const v = await file.get(name);
      if (v === undefined) continue;
      // The file only holds values written since the last move, so they are the newer ones.
      await keychain.set(name, v);
      await file.delete(name);
      log.info(`Moved ${name} from ${file.path} into the system keychain.`);
    } catch (err) {
      log.warn(`Could not move ${name} into the system keychain; it stays in ${file.path}`, err);
    }
  }
}
