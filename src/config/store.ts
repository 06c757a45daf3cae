/**
 * Stored settings (tray): the non-secret fields in `config.json`, the app's running state (energy counters,
 * login block, last discovery) in `state.json`, both beside each other, mode 0600, written atomically by conf.
 * Passwords never go here: they live in the SecretStore.
 *
 * A damaged file never stops the app: it is renamed to `<name>.json.corrupt-<timestamp>` (so nothing is lost
 * and the user can look at it), the store starts from defaults and `warning` says so in plain words.
 */
import Conf from 'conf';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { Logger } from '../log/logger.js';
import { folderError, kernelFolderProblem } from '../platform/folders.js';
import { xdgConfigHome } from '../platform/paths.js';
import { DEFAULTS, SECRET_FIELDS, SETTING_LIST, validateSettings, type Settings } from './app-settings.js';

const PROJECT_NAME = 'hoymiles-tray';
const FILE_MODE = 0o600;

type StoredKey = Exclude<keyof Settings, (typeof SECRET_FIELDS)[number]>;

const STORED = SETTING_LIST.filter((s) => !s.secret);
const STORED_KEYS = STORED.map((s) => s.key as StoredKey);
/** JSON-schema types only, from the settings table: the value rules live in validateSettings, checked on load. */
const SCHEMA: Record<string, Readonly<Record<string, unknown>>> = Object.fromEntries(STORED.map((s) => [s.key, s.kind.schema]));

/**
 * The table's JSON-schema types, checked here rather than handed to conf as a schema: a schema makes conf load
 * and compile Ajv (about 4 MB resident for the whole run) to check a handful of typeofs. A file that fails is
 * damaged, exactly as a schema violation was. Knows the few forms the table uses (a type, array items).
 */
function fits(schema: Readonly<Record<string, unknown>>, v: unknown): boolean {
  switch (schema.type) {
    case 'array':
      return Array.isArray(v) && (!schema.items || v.every((x) => fits(schema.items as Record<string, unknown>, x)));
    case 'integer':
      return Number.isInteger(v);
    case 'number':
    case 'string':
    case 'boolean':
      return typeof v === schema.type;
    default:
      return true;
  }
}
const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
function configProblem(store: unknown): string | undefined {
  if (!isPlainObject(store)) return 'the file does not hold an object';
  const bad = STORED_KEYS.filter((k) => k in store && !fits(SCHEMA[k]!, store[k]));
  return bad.length ? `wrong type of ${bad.join(', ')}` : undefined;
}
const stateProblem = (store: unknown) => (isPlainObject(store) ? undefined : 'the file does not hold an object');
const SHAPE_ERROR = 'Config schema violation: ';

export interface StoreOptions {
  /** Folder for config.json/state.json; default HOYMILES_TRAY_CONFIG_DIR, else the OS config folder. */
  dir?: string;
  logger: Logger;
  /** For tests; default process.env. */
  env?: Record<string, string | undefined>;
}

function resolveDir(opts: StoreOptions): string | undefined {
  const fromEnv = (opts.env ?? process.env).HOYMILES_TRAY_CONFIG_DIR?.trim();
  return opts.dir ?? (fromEnv ? fromEnv : undefined);
}

function isDamage(err: unknown): boolean {
  return err instanceof SyntaxError || (err instanceof Error && err.message.startsWith('Config schema violation'));
}

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

/**
 * Opens a conf instance; a file conf cannot read (bad JSON, wrong types) is set aside and a fresh one started.
 * `onDamage` receives the path it was moved to.
 */
function openConf<T extends Record<string, unknown>>(
  options: ConstructorParameters<typeof Conf<T>>[0],
  logger: Logger,
  onDamage: (file: string, movedTo: string | undefined, err: unknown) => void,
): Conf<T> {
  try {
    return new Conf<T>(options);
  } catch (err) {
    if (!isDamage(err)) throw err;
    const probe = new Conf<T>({ ...options, schema: undefined, clearInvalidConfig: true } as typeof options);
    const movedTo = setAside(probe.path, logger);
    onDamage(probe.path, movedTo, err);
    // If the rename failed, let conf ignore the unreadable file rather than refuse to start.
    return new Conf<T>({ ...options, clearInvalidConfig: movedTo === undefined });
  }
}

function baseOptions(dir: string | undefined) {
  // Before any mkdir: under /proc, Node's recursive mkdir never returns.
  const target = dir ?? (process.platform === 'linux' ? join(xdgConfigHome(), PROJECT_NAME) : undefined);
  const problem = target ? kernelFolderProblem(target, 'configuration folder') : undefined;
  if (problem) throw new Error(`${problem} (HOYMILES_TRAY_CONFIG_DIR sets it.)`);
  if (dir) mkdirSync(dir, { recursive: true, mode: 0o700 });
  return {
    projectName: PROJECT_NAME,
    projectSuffix: '', // ~/.config/hoymiles-tray, %APPDATA%\hoymiles-tray\Config, ~/Library/Preferences/hoymiles-tray
    ...(dir ? { cwd: dir } : {}),
    configFileMode: FILE_MODE,
    accessPropertiesByDotNotation: false,
    clearInvalidConfig: false,
  };
}

function damagedMessage(file: string, movedTo: string | undefined, what: string, fallback: string): string {
  return movedTo
    ? `The ${what} file was damaged; it was set aside as ${movedTo} and ${fallback}.`
    : `The ${what} file (${file}) was damaged and could not be moved aside; ${fallback}.`;
}

/** One conf file: a damaged file (at start-up or while running) is set aside and the store starts empty. */
abstract class ConfFile {
  /** A plain-words message for the user when the stored file could not be used as it was. */
  warning?: string;
  protected conf: Conf<Record<string, unknown>>;
  protected readonly logger: Logger;

  constructor(
    opts: StoreOptions,
    configName: string,
    shape: (store: unknown) => string | undefined,
    private readonly what: string,
    private readonly fallback: string,
  ) {
    this.logger = opts.logger;
    this.conf = openConf<Record<string, unknown>>(
      {
        ...baseOptions(resolveDir(opts)),
        configName,
        // conf reads every file through this: a wrong shape is refused the way its schema refused it.
        deserialize: (text: string) => {
          const store: unknown = JSON.parse(text);
          const problem = shape(store);
          if (problem) throw new Error(SHAPE_ERROR + problem);
          return store as Record<string, unknown>;
        },
      },
      this.logger,
      (file, movedTo, err) => this.damaged(file, movedTo, err),
    );
  }

  /** Full path of the file. */
  get path(): string {
    return this.conf.path;
  }

  /**
   * The file's content as last read or written, for a file only this app writes (state.json): conf parses and
   * validates the whole file on every read, which a poll cycle would otherwise pay several times over.
   */
  protected cached?: Record<string, unknown>;
  protected cacheReads = false;

  /** The stored object; a file damaged while running is set aside like at start-up. */
  protected read(): Record<string, unknown> {
    if (this.cached) return this.cached;
    try {
      const store = this.conf.store;
      if (this.cacheReads) this.cached = store;
      return store;
    } catch (err) {
      if (!isDamage(err)) throw err;
      this.damaged(this.conf.path, setAside(this.conf.path, this.logger), err);
      return {};
    }
  }

  private damaged(file: string, movedTo: string | undefined, err: unknown): void {
    this.warning = damagedMessage(file, movedTo, this.what, this.fallback);
    this.logger.warn(this.warning, err);
  }
}

export class ConfigStore extends ConfFile {
  constructor(opts: StoreOptions) {
    super(opts, 'config', configProblem, 'settings', 'defaults are used');
  }
  /** The folder holding config.json, state.json and (without a keychain) secrets.json. */
  get dir(): string {
    return dirname(this.conf.path);
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
    const stored = this.read(); // sets a damaged file aside before conf would refuse to write over it
    const values: Record<string, unknown> = {};
    for (const k of STORED_KEYS) {
      if (partial[k] !== undefined && !(k in stored && isDeepStrictEqual(stored[k], partial[k]))) values[k] = partial[k];
    }
    if (!Object.keys(values).length) return;
    // What conf's schema refused on a write before: a value of the wrong type never reaches the file.
    const wrong = configProblem(values);
    if (wrong) throw new Error(`The settings could not be saved in ${this.dir}: ${wrong}.`);
    try {
      this.conf.set(values);
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
export class StateStore extends ConfFile {
  constructor(opts: StoreOptions) {
    super(opts, 'state', stateProblem, 'state', 'the app starts without its saved state (energy counters begin again)');
    this.cacheReads = true;
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
    // A copy: a caller changing what it got must not change the cached file content (nor fool set()'s comparison).
    const v = this.read()[key];
    return (v !== null && typeof v === 'object' ? structuredClone(v) : v) as T | undefined;
  }

  set(key: string, value: unknown): void {
    if (value === undefined) return this.delete(key);
    const stored = this.read();
    // conf validates and rewrites the whole file on every set: write only what changed (counters, discovery).
    if (!this.unsaved.has(key) && key in stored && isDeepStrictEqual(stored[key], value)) return;
    this.write(key, value, () => this.conf.set(key, value));
  }

  delete(key: string): void {
    if (!this.unsaved.has(key) && !(key in this.read())) return;
    this.write(key, DELETED, () => this.conf.delete(key));
  }

  /** A write that fails never throws: the value lives on in memory and the folder's problem is logged once. */
  private write(key: string, value: unknown, fn: () => void): void {
    this.cached = undefined; // read again after the write: conf's copy is the truth
    try {
      fn();
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
