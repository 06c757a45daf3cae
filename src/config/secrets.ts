/**
 * Secrets (passwords, the cloud token) live behind this interface: the OS keychain where one is available,
 * else a file readable by the user only. Nothing else in the app knows which.
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { folderError } from '../platform/folders.js';

export type SecretName = 'hoymilesPassword' | 'mqttPassword' | 'cloudToken';

export interface SecretStore {
  /** 'keychain' = the OS store; 'file' = a user-only file beside the config (the settings page says so). */
  readonly kind: 'keychain' | 'file' | 'memory';
  get(name: SecretName): Promise<string | undefined>;
  set(name: SecretName, value: string): Promise<void>;
  delete(name: SecretName): Promise<void>;
}

export class MemorySecretStore implements SecretStore {
  readonly kind = 'memory' as const;
  private readonly values = new Map<SecretName, string>();
  async get(name: SecretName) {
    return this.values.get(name);
  }
  async set(name: SecretName, value: string) {
    this.values.set(name, value);
  }
  async delete(name: SecretName) {
    this.values.delete(name);
  }
}

/** Fallback: `secrets.json` with mode 0600, written atomically. */
export class FileSecretStore implements SecretStore {
  readonly kind = 'file' as const;
  readonly path: string;
  constructor(dir: string) {
    this.path = join(dir, 'secrets.json');
  }
  private read(): Record<string, string> {
    try {
      const v = JSON.parse(readFileSync(this.path, 'utf8'));
      return typeof v === 'object' && v !== null ? v : {};
    } catch {
      return {};
    }
  }
  private write(values: Record<string, string>): void {
    try {
      mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
      const tmp = `${this.path}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(values, null, 2), { mode: 0o600 });
      chmodSync(tmp, 0o600);
      renameSync(tmp, this.path);
    } catch (err) {
      throw new Error(`${this.path} could not be written: ${folderError(err)}`, { cause: err });
    }
  }
  async get(name: SecretName) {
    return this.read()[name];
  }
  async set(name: SecretName, value: string) {
    const v = this.read();
    if (v[name] === value) return;
    v[name] = value;
    this.write(v);
  }
  async delete(name: SecretName) {
    const v = this.read();
    if (!(name in v)) return;
    delete v[name];
    this.write(v);
  }
}
