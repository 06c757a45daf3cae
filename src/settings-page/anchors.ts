/** Anchors on the settings page that the tray links to (`#<anchor>` in the page URL). Pure. */
import type { SettingKey } from '../controls/battery-settings.js';
import { sanitizeId } from '../mqtt/topics.js';

/** The Battery control section. */
export const CONTROLS_ANCHOR = 'sec-controls';

/** The field of one battery setting, e.g. `control-HMSA2TEST01-input_power` (serial reduced to [A-Za-z0-9_-]). */
export function controlAnchor(sn: string, key: SettingKey): string {
  return `control-${sanitizeId(sn)}-${key}`;
}

/** A fragment the page may scroll to: letters, digits, `_` and `-` only (it also goes into a shell command on Windows). */
export function isSafeAnchor(field: string): boolean {
  return /^[A-Za-z0-9_-]{1,100}$/.test(field);
}
