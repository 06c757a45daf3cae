/**
 * What the desktop app adds around the tray: a single instance per user (and config folder), and a log file
 * in the OS's usual place. A second start asks the running one to open its settings page, then exits.
 */
import { createFileSink } from '../log/file-sink.js';
import { logDir } from '../platform/paths.js';
import { acquireSingleInstance, instanceNameFor } from '../platform/single-instance.js';
import { runTray, type TrayOptions } from './tray.js';

export async function startDesktopApp(o: Omit<TrayOptions, 'logPath'> & { instanceName?: string; logDir?: string }): Promise<number | undefined> {
  const log = o.logger;
  let openSettings: (() => void) | undefined;
  let pendingOpen = false;
  const instance = await acquireSingleInstance({
    name: o.instanceName ?? instanceName(o.stores.dir, !!process.env.HOYMILES_TRAY_CONFIG_DIR?.trim()),
    onSecondInstance: () => {
      log.info('Another start of hoymiles-tray asked for the settings page');
      if (openSettings) openSettings();
      else pendingOpen = true;
    },
  }).catch((e: Error) => {
    log.warn(`Could not check for a running instance (${e.message}); starting anyway`);
    return { primary: true as const, release: async () => undefined };
  });
  if (!instance.primary) {
    process.stdout.write('hoymiles-tray is already running: it was asked to open its settings page.\n');
    return 0;
  }
  // Only the primary writes the log file, so a second start never rotates the first one's log.
  const file = createFileSink({ dir: o.logDir ?? (process.env.HOYMILES_TRAY_LOG_DIR || logDir()) });
  log.addSink(file.sink);
  if (file.problem) log.warn(`${file.problem} No log file is written (HOYMILES_TRAY_LOG_DIR sets the folder).`);
  else log.info(`Log file: ${file.path}`);
  const handle = await runTray({ ...o, logPath: file.path, beforeExit: () => instance.release() });
  openSettings = handle.openSettings;
  if (pendingOpen) openSettings();
  return undefined;
}

/** The instance of a config folder (HOYMILES_TRAY_CONFIG_DIR set: its own). */
export function instanceName(configDir: string, custom: boolean): string {
  return instanceNameFor(configDir, custom);
}
