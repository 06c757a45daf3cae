/**
 * The Battery control submenu's rows for control through the battery's own feed: the EMS mode (three
 * checkboxes, the confirmed one ticked, a sent one marked "…" until the feed confirms it) and the power setpoint
 * being kept alive, with a click to clear it. Each change takes the confirming step the grid charging row has:
 * a click only asks ("MQTT control ▸"), "Switch to MQTT control" / "Cancel" below the group decide.
 * The modes and their words come from the mode select's row (controls/battery-settings.ts). Pure; fixed rows
 * per slot (systray2 cannot add rows later).
 */
import { EMS_MODES, FEED_CONTROLS, optionWords, valueWithUnit } from '../controls/battery-settings.js';
import type { NativeControlView } from '../controls/views.js';
import { confirmRows, row, type MenuRow } from './menu-rows.js';
import type { PendingChange } from './types.js';
import { t } from '../i18n/index.js';

/** An EMS mode in words, in the current language ("MQTT control"), from the mode select's row. */
const modeWords = (mode: string) => optionWords(FEED_CONTROLS.ems_mode, mode);

/** "EMS mode MQTT control" (notices and notifications). */
export function emsModeWords(mode: string): string {
  return t('feed.emsMode', { mode: modeWords(mode) });
}

/** The change still fits what the feed shows (another mode meanwhile, a mode on its way, no setpoint: not offered). */
function stillOffered(v: NativeControlView, c: PendingChange | undefined): c is Exclude<PendingChange, { what: 'grid_charging' }> {
  if (!c || c.sn !== v.sn) return false;
  if (c.what === 'ems_mode') return v.mode !== c.mode && v.pendingMode === undefined;
  return c.what === 'clear_setpoint' && v.setpoint !== undefined;
}

export function feedControlRows(views: readonly NativeControlView[] | undefined, slots: number, confirm?: PendingChange): MenuRow[] {
  const parent = 'controls';
  const out: MenuRow[] = [];
  for (let j = 0; j < slots; j++) {
    const v = views?.[j];
    const hidden = !v;
    const asked = v && stillOffered(v, confirm) ? confirm : undefined;
    out.push(row(`f${j}.header`, 'text', v ? t('feed.header', { dev: v.dev }) : '', { hidden, parent }));
    for (const mode of EMS_MODES) {
      const pending = v?.pendingMode === mode;
      const asking = asked?.what === 'ems_mode' && asked.mode === mode;
      out.push(
        row(`f${j}.mode_${mode}`, 'checkbox', `${modeWords(mode)} (${mode})${pending ? '…' : asking ? ' ▸' : ''}`, {
          hidden,
          parent,
          checked: v?.mode === mode,
          enabled: !!v && v.mode !== mode && !pending && !asking,
          action: 'askConfirm',
          asks: v ? { what: 'ems_mode', sn: v.sn, mode } : undefined,
          tooltip: pending
            ? t('feed.sentTip')
            : asking
              ? t('menu.confirmBelow')
              : v
                ? t('feed.switchTip', { dev: v.dev, mode })
                : '',
        }),
      );
    }
    const sp = v?.setpoint;
    const w = (n: number) => `${n < 0 ? '−' : ''}${valueWithUnit(FEED_CONTROLS.power_setpoint, Math.abs(n))}`;
    const clearing = asked?.what === 'clear_setpoint';
    out.push(
      row(`f${j}.setpoint`, 'action', sp === undefined ? t('feed.noSetpoint') : t('feed.setpoint', { power: `${w(sp)}${v?.confirmedSetpoint === sp ? '' : '…'}` }) + (clearing ? ' ▸' : ''), {
        hidden,
        parent,
        enabled: sp !== undefined && !clearing,
        action: 'askConfirm',
        asks: v && sp !== undefined ? { what: 'clear_setpoint', sn: v.sn } : undefined,
        tooltip:
          sp === undefined
            ? t('feed.setTip')
            : clearing
              ? t('menu.confirmBelow')
              : t('feed.clearTip'),
      }),
    );
    const what = asked?.what === 'ems_mode' ? t('feed.switchTo', { mode: modeWords(asked.mode) }) : t('feed.clear');
    const tip = asked?.what === 'ems_mode' ? t('feed.sendNow', { mode: asked.mode, dev: v?.dev ?? '' }) : t('feed.stopNow', { dev: v?.dev ?? '' });
    out.push(...confirmRows(`f${j}.change`, !!asked, what, tip, t('feed.leave')));
  }
  return out;
}
