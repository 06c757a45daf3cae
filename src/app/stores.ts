/** Opens the config folder: stored settings (conf), runtime state, and the secret store. */
import { openSecretStore } from '../config/keychain.js';
import type { SecretStore } from '../config/secrets.js';
import type { Settings } from '../config/app-settings.js';
import { ConfigStore, StateStore } from '../config/store.js';
import { addSecret, type Logger } from '../log/logger.js';

export interface Stores {
  config: ConfigStore;
  state: StateStore;
  secrets: SecretStore;
  dir: string;
  /** Stored settings with the stored passwords filled in. */
  settings: Settings;
  /** Plain-words notes for the user (a damaged file was set aside, no keychain, …). */
  warnings: string[];
}

export async function openStores(logger: Logger, dir?: string): Promise<Stores> {
  const config = new ConfigStore({ dir, logger: logger.child('config') });
  const state = new StateStore({ dir: config.dir, logger: logger.child('config') });
  const secrets = await openSecretStore({ dir: config.dir, logger: logger.child('config') });
  const settings = config.load();
  settings.hoymilesPassword = (await secrets.get('hoymilesPassword')) ?? '';
  settings.mqttPassword = (await secrets.get('mqttPassword')) ?? '';
  addSecret(settings.hoymilesPassword);
  addSecret(settings.mqttPassword);
  const warnings = [config.warning, state.warning].filter((w): w is string => !!w);
  return { config, state, secrets, dir: config.dir, settings, warnings };
}
