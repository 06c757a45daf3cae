/**
 * The icon file notifications show: the tray icon of the moment (the app's icon, with the battery's state in it)
 * as a 64 px PNG in the cache folder, written once per look. Never throws: without a file the notification
 * simply has no icon.
 */
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../log/logger.js';
import { iconKey, type IconSpec } from './icon-art.js';
import { renderIconRgba } from './icon-art.js';
import { encodePng } from './image-codec.js';

export const NOTIFICATION_ICON_SIZE = 64;

/** Path of the PNG for `spec` under `<dir>/icons`, written if missing; undefined when it cannot be written. */
export function writeNotificationIcon(spec: IconSpec, dir: string, logger?: Logger): string | undefined {
  const folder = join(dir, 'icons');
  const file = join(folder, `notify-${iconKey(spec)}.png`);
  try {
    if (existsSync(file)) return file;
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, encodePng(renderIconRgba(spec, NOTIFICATION_ICON_SIZE), NOTIFICATION_ICON_SIZE));
    renameSync(tmp, file);
    return file;
  } catch (e) {
    logger?.debug(`notification icon ${file} not written: ${(e as Error).message}`);
    return undefined;
  }
}
