/**
 * Stored settings (tray): the non-secret fields in `config.json`, the app's running state (energy counters,
 * login block, last discovery) in `state.json`, both beside each other, mode 0600, written atomically (a temporary
 * file, fsync, rename) and only when a value changed. Passwords never go here: they live in the SecretStore.
 *
 * Plain JSON files, read with node:fs: the `conf` package used before loaded ajv, semver and atomically (about
 * 7 MB more resident memory, and a schema compile at start-up) for an always-on app that writes a few keys.
 *
 * A damaged file never stops the app: it is renamed to `<name>.json.corrupt-<timestamp>` (so nothing is lost
 * and the user can look at it), the store starts from defaults and `warning` says so in plain words.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Logger } from '../log/logger.js';
import { folderError, kernelFolderProblem } from '../platform/folders.js';
import { configDir } from '../platform/paths.js';
import { DEFAULTS, SECRET_FIELDS, validateSettings, type Settings } from './settings.js';

const FILE_MODE = 0o600;

type StoredKey = Exclude<keyof Settings, (typeof SECRET_FIELDS)[number]>;

const SECRET_SET = new Set<string>(SECRET_FIELDS);
const STORED_KEYS = (Object.keys(DEFAULTS) as (keyof Settings)[]).filter((k): k is StoredKey => !SECRET_SET.has(k));

/** The JSON type each stored field must have (the value rules live in validateSettings, checked on load). */
function typeOk(key: StoredKey, v: unknown): boolean {
  const d = DEFAULTS[key];
  if (Array.isArray(d)) return Array.isArray(v) && v.every((x) => Number.isInteger(x));
  return typeof v === typeof d;
}

/** The fields of config.json with the wrong JSON type, if any. */
function typeErrors(raw: Record<string, unknown>): string[] {
  return STORED_KEYS.filter((k) => k in raw && !typeOk(k, raw[k]));
}

export interface StoreOptions {
  /** Folder for config.json/state.json; default HOYMILES_TRAY_CONFIG_DIR, else the OS config folder. */
  dir?: string;
  logger: Logger;
  /** For tests; default process.env. */
  env?: Record<string, string | undefined>;
}

function resolveDir(opts: StoreOptions): string {
  const fromEnv = (opts.env ?? process.env).HOYMILES_TRAY_CONFIG_DIR?.trim();
  return opts.dir ?? (fromEnv ? fromEnv : configDir());
}

/** The file is there but is not what the store wrote: broken JSON, not an object, or wrong types. */
class Damaged extends Error {}

/** Renames a damaged file out of the way; returns the new path (or undefined when nothing could be moved). */
function setAside(path: string, logger: Logger): string | undefined {
  const stamp = new Date().toISOString().replace(/:/g, '');
  let target = `${path}.corrupt-${stamp}`;
  for (let i = 1; existsSync(target); i++) target = `${path}.corrupt-${stamp}-${i}`;
  try {
    renameSync(path, target);
    return target;
  } catch (err) {
    logger.error(`Could not move the damaged file ${path} aside`, err);
    return undefined;
  }
}

/** Writes `text` to `path` so that a reader sees the old file or the new one, never half of it. */
function writeAtomically(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', FILE_MODE);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

function damagedMessage(file: string, movedTo: string | undefined, what: string, fallback: string): string {
  return movedTo
    ? `The ${what} file was damaged; it was set aside as ${movedTo} and ${fallback}.`
    : `The ${what} file (${file}) was damaged and could not be moved aside; ${fallback}.`;
}

/** One JSON file: a damaged file (at start-up or while running) is set aside and the store starts empty. */
abstract class JsonFileStore {
  /** A plain-words message for the user when the stored file could not be used as it was. */
  warning?: string;
  /** Full path of the file. */
  readonly path: string;
  protected readonly logger: Logger;
  /** A damaged file that could not be moved aside is ignored (and overwritten by the next change). */
  private ignoreDamage = false;

  constructor(
    opts: StoreOptions,
    fileName: string,
    private readonly what: string,
    private readonly fallback: string,
    private readonly check: (raw: Record<string, unknown>) => string[] = () => [],
  ) {
    this.logger = opts.logger;
    const dir = resolveDir(opts);
    // Before any mkdir: under /proc, Node's recursive mkdir never returns.
    const problem = kernelFolderProblem(dir, 'configuration folder');
    if (problem) throw new Error(`${problem} (HOYMILES_TRAY_CONFIG_DIR sets it.)`);
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch {
      /* a folder that cannot be made cannot be written either: the first write says why */
    }
    this.path = join(dir, fileName);
    this.read();
  }

  /** The stored object, read from the file each time (it is small, and may have been edited meanwhile). */
  protected read(): Record<string, unknown> {
    try {
      return this.parse();
    } catch (err) {
      if (!(err instanceof Damaged)) throw err;
      if (this.ignoreDamage) return {};
      const movedTo = setAside(this.path, this.logger);
      if (movedTo === undefined) this.ignoreDamage = true;
      this.warning = damagedMessage(this.path, movedTo, this.what, this.fallback);
      this.logger.warn(this.warning, err);
      return {};
    }
  }

  private parse(): Record<string, unknown> {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw err;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new Damaged(`not JSON (${(err as Error).message})`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Damaged('not a JSON object');
    const bad = this.check(value as Record<string, unknown>);
    if (bad.length) throw new Damaged(`wrong type of ${bad.join(', ')}`);
    return value as Record<string, unknown>;
  }

  /** Applies `change` to the stored object and writes the file, but only when something changed. */
  protected update(change: (data: Record<string, unknown>) => void): void {
    const before = this.read();
    const after = { ...before };
    change(after);
    const text = JSON.stringify(after, undefined, '\t');
    if (text === JSON.stringify(before, undefined, '\t')) return;
    writeAtomically(this.path, text);
    this.ignoreDamage = false;
  }
}

export class ConfigStore extends JsonFileStore {
  constructor(opts: StoreOptions) {
    super(opts, 'config.json', 'settings', 'defaults are used', typeErrors);
  }
  /** The folder holding config.json, state.json and (without a keychain) secrets.json. */
  get dir(): string {
    return dirname(this.path);
  }

  /** Stored settings on top of the defaults; the password fields are always empty (see the SecretStore). */
  load(): Settings {
    const raw = this.read();
    const s: Settings = { ...DEFAULTS, stationIds: [...DEFAULTS.stationIds] };
    for (const k of STORED_KEYS) if (k in raw) (s as unknown as Record<string, unknown>)[k] = raw[k];
    for (const k of SECRET_FIELDS) s[k] = '';

    // A hand-edited value of the right type can still be out of range: use the default for that field.
    const errors = validateSettings(s);
    const bad = Object.keys(errors) as (keyof Settings)[];
    if (bad.length) {
      for (const k of bad) (s as unknown as Record<string, unknown>)[k] = DEFAULTS[k];
      const msg = `Some stored settings were not valid (${bad.join(', ')}); their defaults are used.`;
      if (this.warning !== msg) this.logger.warn(msg);
      this.warning ??= msg;
      if (Object.keys(validateSettings(s)).length) return { ...DEFAULTS, stationIds: [] };
    }
    return s;
  }

  /** Stores the given fields; password fields and unknown keys are ignored. */
  save(partial: Partial<Settings>): void {
    const values: Record<string, unknown> = {};
    for (const k of STORED_KEYS) if (partial[k] !== undefined) values[k] = partial[k];
    if (!Object.keys(values).length) return;
    try {
      this.update((data) => Object.assign(data, values));
    } catch (err) {
      throw new Error(`The settings could not be saved in ${this.dir}: ${folderError(err)}.`, { cause: err });
    }
  }

  /** Whether the file stores a value for `key` (else the default applies). */
  has(key: keyof Settings): boolean {
    return key in this.read();
  }

  get publishEnabled(): boolean {
    const v = this.read().publishEnabled;
    return typeof v === 'boolean' ? v : DEFAULTS.publishEnabled;
  }
  set publishEnabled(v: boolean) {
    this.save({ publishEnabled: v });
  }
}

/**
 * Small key/value store for what the app remembers between runs (energy counters, the login block,
 * the last published discovery). Keys are flat strings ('cloud.session' is one key, not a path).
 */
export class StateStore extends JsonFileStore {
  constructor(opts: StoreOptions) {
    super(opts, 'state.json', 'state', 'the app starts without its saved state (energy counters begin again)');
  }

  /**
   * Values that could not be written (a read-only or full folder): kept here so the app still sees them until
   * it stops. `DELETED` marks a key whose removal could not be written.
   */
  private readonly unsaved = new Map<string, unknown>();
  /** The folder cannot be written: said once, in plain words. */
  unwritable?: string;

  get<T>(key: string): T | undefined {
    if (this.unsaved.has(key)) {
      const v = this.unsaved.get(key);
      return (v === DELETED ? undefined : structuredClone(v)) as T | undefined;
    }
    return this.read()[key] as T | undefined;
  }

  /** Written only when the value differs from the stored one. */
  set(key: string, value: unknown): void {
    if (value === undefined) return this.delete(key);
    this.write(key, value, (data) => {
      data[key] = value;
    });
  }

  delete(key: string): void {
    if (!this.unsaved.has(key) && !(key in this.read())) return;
    this.write(key, DELETED, (data) => {
      delete data[key];
    });
  }

  /** A write that fails never throws: the value lives on in memory and the folder's problem is logged once. */
  private write(key: string, value: unknown, change: (data: Record<string, unknown>) => void): void {
    try {
      this.update(change);
      this.unsaved.delete(key);
    } catch (err) {
      this.unsaved.set(key, value === DELETED ? DELETED : structuredClone(value));
      if (this.unwritable) return;
      this.unwritable =
        `Cannot save to the configuration folder ${dirname(this.path)}: ${folderError(err)}. The app goes on: readings, ` +
        `publishing and the tray work, but the login token, energy counters and login limits are kept in memory only ` +
        `and are lost when it stops (the next start logs in again).`;
      this.logger.warn(this.unwritable);
    }
  }
}

const DELETED = Symbol('deleted');
