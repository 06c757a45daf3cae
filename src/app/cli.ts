/**
 * hoymiles-tray entry point.
 *   hoymiles-tray              the tray app (poll-and-publish loop in the background)
 *   hoymiles-tray --headless   the loop in the foreground, for servers (same env vars as the Python script)
 *   hoymiles-tray --once       poll once, print the readings as JSON, exit non-zero on failure
 *   hoymiles-tray --demo       simulated battery + embedded broker (add --headless for no tray)
 *   hoymiles-tray --settings   asks the running tray app to open its settings page (with --demo: the demo's)
 */
import { dirname, resolve } from 'node:path';
import { ConfigError, settingsFromEnv } from '../config/env.js';
import { Logger } from '../log/logger.js';
import { APP_VERSION } from './bridge.js';
import { ARGON2_CHILD_FLAG } from '../cloud/argon2-process.js';
import { setLanguage, t } from '../i18n/index.js';
import { chooseLanguage } from '../i18n/choose.js';
import { osLanguages } from '../platform/locale.js';
import { bundleFor, HEADLESS_BUNDLE } from './bundles.js';
import { useBaselineTiers } from './v8-tiers.js';

/** Set by scripts/build.mjs: true in dist/app/headless.cjs, the bundle without the tray and the demo (main.ts). */
declare const __HEADLESS_BUNDLE__: boolean | undefined;
/** The modes headless.cjs leaves out: esbuild drops what only this branch imports. */
const TRAY_AND_DEMO = typeof __HEADLESS_BUNDLE__ === 'boolean' && __HEADLESS_BUNDLE__ ? undefined : { desktop: () => import('./desktop.js'), demo: () => import('./demo.js') };

/** The --help text in the user's language (HOYMILES_TRAY_LANG, else the system's). */
const helpText = () => t('cli.help', { version: APP_VERSION });

export async function main(argv: string[]): Promise<number | undefined> {
  // The app's own short-lived helper for the login hash (src/cloud/argon2-process.ts): nothing else runs.
  if (argv.length === 1 && argv[0] === ARGON2_CHILD_FLAG) return (await import('../cloud/argon2-process.js')).runArgon2Child();
  // Everything else may run for months at one wake-up a second: no optimising compilers (see v8-tiers.ts).
  useBaselineTiers();
  const flags = new Set(argv);
  // Before the stored settings are read (--help, configuration errors): the variable, then the system.
  const os = osLanguages();
  setLanguage(chooseLanguage({ override: process.env.HOYMILES_TRAY_LANG, os }));
  if (flags.has('--help') || flags.has('-h')) {
    process.stdout.write(helpText());
    return 0;
  }
  if (flags.has('--version')) {
    process.stdout.write(`${APP_VERSION}\n`);
    return 0;
  }
  const unknown = argv.filter((a) => !['--headless', '--once', '--demo', '--debug', '--settings'].includes(a));
  if (unknown.length) {
    process.stderr.write(`Unknown option ${unknown.join(' ')}\n\n${helpText()}`);
    return 2;
  }
  // --once prints JSON on stdout: its log lines go to stderr.
  const logger = new Logger(
    flags.has('--debug') ? 'debug' : 'info',
    flags.has('--once') ? [(line) => process.stderr.write(line + '\n')] : undefined,
  );

  if (flags.has('--settings')) return openRunningSettings(flags.has('--demo'));
  // headless.cjs holds only what main.ts starts it for.
  if (!TRAY_AND_DEMO && bundleFor(argv) !== HEADLESS_BUNDLE) return notInHeadlessBundle();

  if (flags.has('--demo')) {
    const { runDemo } = await TRAY_AND_DEMO!.demo();
    await runDemo({ logger, headless: flags.has('--headless') });
    return undefined;
  }

  // Check the environment first: a bad variable stops start-up before anything is created on disk.
  try {
    settingsFromEnv(process.env);
  } catch (e) {
    return configError(e);
  }
  const { openStores } = await import('./stores.js');
  let stores;
  try {
    stores = await openStores(logger);
  } catch (e) {
    if (e instanceof ConfigError) return configError(e); // e.g. HOYMILES_TRAY_SECRETS
    logger.error('Cannot open the configuration folder', e);
    return 2;
  }
  let read;
  try {
    read = settingsFromEnv(process.env, stores.settings);
  } catch (e) {
    return configError(e);
  }
  const { settings, fromEnv } = read;
  if (settings.debug) logger.level = 'debug';
  setLanguage(chooseLanguage({ setting: settings.language, os }));

  if (flags.has('--headless') || flags.has('--once')) {
    if (settings.source !== 'native' && (!settings.hoymilesEmail || !settings.hoymilesPassword)) {
      process.stderr.write(
        "Configuration error:\nSet HOYMILES_USER and HOYMILES_PASSWORD (or save them once in the tray app's settings), or HOYMILES_SOURCE=native to read only the battery's own MQTT feed.\n",
      );
      return 2;
    }
    const { runHeadless, runOnce } = await import('./headless.js');
    const deps = { settings, secrets: stores.secrets, state: stores.state, logger, configDir: stores.dir, wrongPasswordRetryMs: 30 * 60_000 };
    if (flags.has('--once')) return runOnce(deps);
    await runHeadless(deps);
    return undefined;
  }

  // The tray: one instance per user and config folder. A second start asks the first to show its settings.
  const { startDesktopApp } = await TRAY_AND_DEMO!.desktop();
  return startDesktopApp({ logger, stores, settings, fromEnv });
}

/** A hand-started headless.cjs without --headless or --once: the tray and the demo are not in it. */
function notInHeadlessBundle(): number {
  process.stderr.write('headless.cjs holds only --headless and --once: start dist/app/main.cjs for the tray or the demo.\n');
  return 2;
}

/** A ConfigError is the user's to fix: said on stderr, exit code 2. Anything else is thrown on. */
function configError(e: unknown): number {
  if (!(e instanceof ConfigError)) throw e;
  process.stderr.write(`Configuration error:\n${e.message}\n`);
  return 2;
}

/** `--settings`: through the single-instance channel; nothing is started. */
async function openRunningSettings(demo: boolean): Promise<number> {
  const { askRunningInstance, instanceNameFor, DEMO_INSTANCE } = await import('../platform/single-instance.js');
  let name = DEMO_INSTANCE;
  if (!demo) {
    const custom = process.env.HOYMILES_TRAY_CONFIG_DIR?.trim();
    // The same folder string the config store resolves.
    name = instanceNameFor(custom ? dirname(resolve(custom, 'config.json')) : '', !!custom);
  }
  if (await askRunningInstance({ name })) {
    process.stdout.write(`Asked the running hoymiles-tray${demo ? ' demo' : ''} to open its settings page in the browser.\n`);
    return 0;
  }
  process.stdout.write(`hoymiles-tray${demo ? ' --demo' : ''} is not running, so there is no settings page to open. Start it first: its settings page opens from the tray menu (Settings…).\n`);
  return 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`hoymiles-tray failed: ${(e as Error)?.stack ?? e}\n`);
    process.exit(1);
  },
);
