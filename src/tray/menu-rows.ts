/**
 * A tray menu row and the two makers every part of the menu uses (the readings, the Battery control submenu's
 * cloud and feed groups): pure data, no systray2.
 */
import type { PendingChange, TrayActions } from './types.js';
import { t } from '../i18n/index.js';

/** 'submenu': a parent whose children are the rows naming it as `parent`; never hidden (disabled instead). */
export type RowKind = 'text' | 'separator' | 'checkbox' | 'action' | 'submenu';

/**
 * Clicks the tray handles itself: the confirming step. 'askConfirm' shows the confirming rows for the row's
 * `asks`; 'confirmChange' runs the change waiting (TrayState.confirm); 'cancelConfirm' drops it.
 */
export type MenuOnlyAction = 'askConfirm' | 'confirmChange' | 'cancelConfirm';

export interface MenuRow {
  /**
   * Stable key: b<i>.gap (i ≥ 1), b<i>.header|soc|power|flow|today|temp|updated, sep.controls, controls (submenu)
   * with its children c<j>.header|grid_charging|grid_confirm|grid_cancel|input_power|reserve_soc and
   * f<j>.header|mode_<mode>|setpoint|change_confirm|change_cancel, sep.main,
   * problem, notice, publish, refresh, autostart, log, settings, sep.quit, quit. Separators are never hidden (the
   * helper cannot hide them).
   */
  id: string;
  kind: RowKind;
  text: string;
  tooltip: string;
  enabled: boolean;
  hidden: boolean;
  checked: boolean;
  action?: keyof TrayActions | MenuOnlyAction;
  /** The action's argument: the page anchor for openSettings. */
  arg?: string;
  /** For action 'askConfirm': the change this click asks for (it then waits for the confirming row). */
  asks?: PendingChange;
  /** The id of the submenu row this row belongs to (undefined: top level). */
  parent?: string;
}

export function row(id: string, kind: RowKind, text: string, extra: Partial<MenuRow> = {}): MenuRow {
  return { id, kind, text, tooltip: '', enabled: kind === 'action' || kind === 'checkbox', hidden: false, checked: false, ...extra };
}

/**
 * The two rows of a confirming step under the row that asked: "    Turn on grid charging" and "    Cancel"
 * (`<id>_confirm`, `<id>_cancel`), shown while `pending`.
 */
export function confirmRows(id: string, pending: boolean, text: string, tooltip: string, cancelTooltip: string): MenuRow[] {
  const parent = 'controls';
  return [
    row(`${id}_confirm`, 'action', `    ${text}`, { hidden: !pending, parent, action: 'confirmChange', tooltip: pending ? tooltip : '' }),
    row(`${id}_cancel`, 'action', `    ${t('menu.cancel')}`, { hidden: !pending, parent, action: 'cancelConfirm', tooltip: pending ? cancelTooltip : '' }),
  ];
}
