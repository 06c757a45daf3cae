/**
 * The Battery control submenu's rows for control through the battery's own feed: the EMS mode (three
 * checkboxes, the confirmed one ticked, a sent one marked "…" until the feed confirms it) and the power setpoint
 * being kept alive, with a click to clear it. Each change takes the confirming step the grid charging row has:
 * a click only asks ("MQTT control ▸"), "Switch to MQTT control" / "Cancel" below the group decide.
 * Pure; fixed rows per slot (systray2 cannot add rows later).
 */
import type { NativeControlView } from '../native/controls.js';
import { EMS_MODES, type EmsMode } from '../native/parse.js';
import type { MenuRow } from './menu-model.js';
import type { PendingChange } from './types.js';

export const EMS_MODE_WORDS: Record<EmsMode, string> = {
  general: 'Self-consumption',
  mqtt_ctrl: 'MQTT control',
  tou_plan: 'Time of use',
};

/** "EMS mode MQTT control" (notices and notifications). */
export function emsModeWords(mode: string): string {
  return `EMS mode ${EMS_MODE_WORDS[mode as EmsMode] ?? mode}`;
}

/** The menu model's row makers (passed in: the model imports this file). */
export interface RowTools {
  row: (id: string, kind: MenuRow['kind'], text: string, extra?: Partial<MenuRow>) => MenuRow;
  confirmRows: (id: string, pending: boolean, text: string, tooltip: string, cancelTooltip: string) => MenuRow[];
}

/** The change still fits what the feed shows (another mode meanwhile, a mode on its way, no setpoint: not offered). */
function stillOffered(v: NativeControlView, c: PendingChange | undefined): c is Exclude<PendingChange, { what: 'grid_charging' }> {
  if (!c || c.sn !== v.sn) return false;
  if (c.what === 'ems_mode') return v.mode !== c.mode && v.pendingMode === undefined;
  return c.what === 'clear_setpoint' && v.setpoint !== undefined;
}

export function feedControlRows(views: readonly NativeControlView[] | undefined, slots: number, { row, confirmRows }: RowTools, confirm?: PendingChange): MenuRow[] {
  const parent = 'controls';
  const out: MenuRow[] = [];
  for (let j = 0; j < slots; j++) {
    const v = views?.[j];
    const hidden = !v;
    const asked = v && stillOffered(v, confirm) ? confirm : undefined;
    out.push(row(`f${j}.header`, 'text', v ? `EMS mode of ${v.dev}` : '', { hidden, parent }));
    for (const mode of EMS_MODES) {
      const pending = v?.pendingMode === mode;
      const asking = asked?.what === 'ems_mode' && asked.mode === mode;
      out.push(
        row(`f${j}.mode_${mode}`, 'checkbox', `${EMS_MODE_WORDS[mode]} (${mode})${pending ? '…' : asking ? ' ▸' : ''}`, {
          hidden,
          parent,
          checked: v?.mode === mode,
          enabled: !!v && v.mode !== mode && !pending && !asking,
          action: 'askConfirm',
          asks: v ? { what: 'ems_mode', sn: v.sn, mode } : undefined,
          tooltip: pending
            ? "Sent; waiting for the battery's feed to confirm it (up to 5 minutes)"
            : asking
              ? 'Confirm below'
              : v
                ? `Switch ${v.dev} to ${mode}: click, then confirm`
                : '',
        }),
      );
    }
    const sp = v?.setpoint;
    const w = (n: number) => `${n > 0 ? '' : n < 0 ? '−' : ''}${Math.abs(n)} W`;
    const clearing = asked?.what === 'clear_setpoint';
    out.push(
      row(`f${j}.setpoint`, 'action', sp === undefined ? 'Power setpoint: none' : `Power setpoint ${w(sp)}${v?.confirmedSetpoint === sp ? '' : '…'}: clear${clearing ? ' ▸' : ''}`, {
        hidden,
        parent,
        enabled: sp !== undefined && !clearing,
        action: 'askConfirm',
        asks: v && sp !== undefined ? { what: 'clear_setpoint', sn: v.sn } : undefined,
        tooltip:
          sp === undefined
            ? 'Set a setpoint from Home Assistant (MQTT control mode)'
            : clearing
              ? 'Confirm below'
              : `Re-sent every 30 s; click, then confirm, to stop (the battery returns to self-consumption within a minute)`,
      }),
    );
    const what = asked?.what === 'ems_mode' ? `Switch to ${EMS_MODE_WORDS[asked.mode as EmsMode] ?? asked.mode}` : 'Clear the power setpoint';
    const tip = asked?.what === 'ems_mode' ? `Send the EMS mode ${asked.mode} to ${v?.dev} now` : `Stop re-sending the power setpoint of ${v?.dev ?? ''} now`;
    out.push(...confirmRows(`f${j}.change`, !!asked, what, tip, 'Leave the battery as it is'));
  }
  return out;
}
