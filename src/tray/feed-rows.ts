/**
 * The Battery control submenu's rows for control through the battery's own feed: the EMS mode (three
 * checkboxes, the confirmed one ticked, a sent one marked "…" until the feed confirms it) and the power setpoint
 * being kept alive, with a click to clear it. Pure; fixed rows per slot (systray2 cannot add rows later).
 */
import type { NativeControlView } from '../native/controls.js';
import { EMS_MODES, type EmsMode } from '../native/parse.js';
import type { MenuRow } from './menu-model.js';

export const EMS_MODE_WORDS: Record<EmsMode, string> = {
  general: 'Self-consumption',
  mqtt_ctrl: 'MQTT control',
  tou_plan: 'Time of use',
};

type RowFn = (id: string, kind: MenuRow['kind'], text: string, extra?: Partial<MenuRow>) => MenuRow;

export function feedControlRows(views: readonly NativeControlView[] | undefined, slots: number, row: RowFn): MenuRow[] {
  const parent = 'controls';
  const out: MenuRow[] = [];
  for (let j = 0; j < slots; j++) {
    const v = views?.[j];
    const hidden = !v;
    out.push(row(`f${j}.header`, 'text', v ? `EMS mode of ${v.dev}` : '', { hidden, parent }));
    for (const mode of EMS_MODES) {
      const pending = v?.pendingMode === mode;
      out.push(
        row(`f${j}.mode_${mode}`, 'checkbox', `${EMS_MODE_WORDS[mode]} (${mode})${pending ? '…' : ''}`, {
          hidden,
          parent,
          checked: v?.mode === mode,
          enabled: !!v && v.mode !== mode && !pending,
          action: 'setEmsMode',
          arg: v ? `${v.sn}|${mode}` : undefined,
          tooltip: pending ? "Sent; waiting for the battery's feed to confirm it (up to 5 minutes)" : v ? `Switch ${v.dev} to ${mode}` : '',
        }),
      );
    }
    const sp = v?.setpoint;
    const w = (n: number) => `${n > 0 ? '' : n < 0 ? '−' : ''}${Math.abs(n)} W`;
    out.push(
      row(`f${j}.setpoint`, 'action', sp === undefined ? 'Power setpoint: none' : `Power setpoint ${w(sp)}${v?.confirmedSetpoint === sp ? '' : '…'}: clear`, {
        hidden,
        parent,
        enabled: sp !== undefined,
        action: 'clearSetpoint',
        arg: v?.sn,
        tooltip: sp === undefined ? 'Set a setpoint from Home Assistant (MQTT control mode)' : `Re-sent every 30 s; click to stop (the battery returns to self-consumption within a minute)`,
      }),
    );
  }
  return out;
}
