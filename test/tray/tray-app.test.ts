/**
 * TrayApp against a stand-in for systray2 that behaves like 2.1.4 where it matters (Linux " (√)" suffix that
 * is appended and never removed, Object.assign of the clicked item, kill(false) waiting for the helper's exit),
 * plus one run of the real helper without a display.
 */
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, test } from 'vitest';
import type { StationControlsView } from '../../src/controls/battery-controls.js';
import type { BatteryReading, BridgeSnapshot } from '../../src/core/snapshot.js';
import { memoryLogger } from '../../src/log/logger.js';
import { findHelper, helperBinaryName, TrayApp, type SysTrayClass, type TrayActions, type TrayState } from '../../src/tray/tray-app.js';

interface Item {
  title: string;
  tooltip: string;
  checked?: boolean;
  enabled?: boolean;
  hidden?: boolean;
  items?: Item[];
  __id?: number;
}

/** systray2 2.1.4 on Linux: append when checked, "remove" with a broken regex (never matches); recurses into submenus. */
function linuxCheckmarks(it: Item): void {
  if (it.checked) it.title += ' (√)';
  else it.title = it.title.replace(RegExp(' (√)$'), '');
  it.items?.forEach(linuxCheckmarks);
}
interface Action {
  type: string;
  item?: Item;
  menu?: { icon: string; title: string; tooltip: string; items: Item[] };
}

class FakeProc extends EventEmitter {
  pid = 4242;
  exitCode: number | null = null;
  stdin = new EventEmitter();
  stderr = new EventEmitter();
  stdout = new EventEmitter();
  killed: string[] = [];
  kill(sig = 'SIGTERM') {
    this.killed.push(sig);
    this.exit(null, sig);
    return true;
  }
  exit(code: number | null, signal: string | null) {
    if (this.exitCode !== null) return;
    this.exitCode = code ?? -1;
    this.emit('exit', code, signal);
  }
}

class FakeTray {
  static last: FakeTray;
  static mode: 'ok' | 'die' | 'hang' = 'ok';
  process: FakeProc | null = null;
  _rl = new EventEmitter();
  sent: Action[] = [];
  /** What the helper shows per __id: the titles as written to it. */
  shown = new Map<number, Item>();
  /** Every item, depth-first (a parent, then its children), as systray2 numbers them: items[__id - 1]. */
  items: Item[] = [];
  private clickListener?: (e: { type: 'clicked'; item: Item; seq_id: number; __id: number }) => void;
  private readyP: Promise<void>;
  constructor(public conf: { menu: { icon: string; title: string; tooltip: string; items: Item[] } }) {
    FakeTray.last = this;
    conf.menu.items.forEach(linuxCheckmarks);
    const walk = (it: Item) => {
      this.items.push(it);
      it.__id = this.items.length;
      this.shown.set(it.__id, { ...it, items: undefined });
      it.items?.forEach(walk);
    };
    conf.menu.items.forEach(walk);
    this.readyP = new Promise((resolve, reject) => {
      setTimeout(() => {
        this.process = new FakeProc();
        if (FakeTray.mode === 'die') {
          setTimeout(() => {
            this.process!.stderr.emit('data', Buffer.from('Gtk-WARNING **: cannot open display: :99\n'));
            this.process!.exit(1, null);
          }, 5);
        } else if (FakeTray.mode === 'ok') {
          setTimeout(() => {
            this._rl.emit('line', '{"type":"ready"}');
            resolve();
          }, 5);
        }
        void reject;
      }, 3);
    });
  }
  ready() {
    return this.readyP;
  }
  async onClick(l: FakeTray['clickListener']) {
    await this.readyP;
    this.clickListener = l;
    this._rl.on('line', (line: string) => {
      const a = JSON.parse(line);
      if (a.type === 'clicked') this.clickListener?.({ ...a, item: Object.assign(this.items[a.__id - 1]!, a.item) });
    });
    return this;
  }
  async sendAction(a: Action) {
    if (a.type === 'update-item') {
      linuxCheckmarks(a.item!);
      this.shown.set(a.item!.__id!, { ...a.item!, items: undefined });
    }
    if (a.type === 'update-menu') a.menu!.items.forEach(linuxCheckmarks);
    this.sent.push(JSON.parse(JSON.stringify(a)));
    return this;
  }
  async kill(exitNode = true) {
    if (exitNode) throw new Error('kill(true) would exit Node');
    await this.sendAction({ type: 'exit' });
    setTimeout(() => this.process!.exit(0, null), 5);
    await new Promise((r) => this.process!.once('exit', r));
  }
  /** The helper reports a click on row `index` (with the title it shows); rows and __ids share the depth-first order. */
  click(index: number) {
    const shown = this.shown.get(index + 1)!;
    this._rl.emit('line', JSON.stringify({ type: 'clicked', item: { title: shown.title, checked: shown.checked }, seq_id: index, __id: index + 1 }));
  }
}

function battery(over: Partial<BatteryReading> = {}): BatteryReading {
  return { sn: 'SN1', deviceId: 1, stationId: 1, stationName: 'Home', master: true, soc: 57, batteryPower: 310, status: 'discharge', live: true, updatedAt: Date.now(), fresh: true, raw: {}, ...over };
}
function state(over: Partial<TrayState> = {}, b: Partial<BatteryReading> = {}): TrayState {
  const snapshot: BridgeSnapshot = { batteries: [battery(b)], cycles: 1 };
  return { snapshot, publishing: true, lowSocThreshold: 15, ...over };
}

function controls(over: { grid?: boolean; writing?: boolean; input?: number } = {}): StationControlsView[] {
  return [
    {
      sid: 1,
      sn: 'SN1',
      stationName: 'Home',
      settings: [
        { key: 'grid_charging', label: 'Grid charging', supported: true, value: over.grid ?? false, writing: over.writing ?? false },
        { key: 'input_power', label: 'On-grid input power', supported: true, value: over.input ?? 800, writing: false },
        { key: 'reserve_soc', label: 'Reserve state of charge', supported: false, writing: false },
      ],
    },
  ];
}

function harness() {
  const calls: string[] = [];
  const actions: TrayActions = {
    togglePublish: () => calls.push('togglePublish'),
    refresh: () => calls.push('refresh'),
    openSettings: (field) => calls.push(field ? `openSettings ${field}` : 'openSettings'),
    toggleGridCharging: (sn) => calls.push(`toggleGridCharging ${sn}`),
    toggleAutostart: () => calls.push('toggleAutostart'),
    openLog: () => calls.push('openLog'),
    quit: () => calls.push('quit'),
  };
  const { logger, lines } = memoryLogger('info');
  return { calls, actions, logger, lines };
}

const fake = FakeTray as unknown as SysTrayClass;
const rowIndex = (app: TrayApp, id: string) => app.menu.rows.findIndex((r) => r.id === id);

afterEach(() => {
  FakeTray.mode = 'ok';
  delete process.env.E2E;
});

describe('TrayApp with a stand-in helper', () => {
  test('starts with all rows, then sends only what changed', async () => {
    const h = harness();
    const app = await TrayApp.start({ ...h, systrayClass: fake, initialState: state() });
    const tray = FakeTray.last;
    expect(app.helperPid).toBe(4242);
    expect(tray.items).toHaveLength(app.menu.rows.length);
    expect(tray.conf.menu.icon.length).toBeGreaterThan(100); // base64 of the PNG, not a path
    expect(Buffer.from(tray.conf.menu.icon, 'base64').subarray(1, 4).toString()).toBe('PNG');

    // Same state again: nothing to send.
    app.update(state({}, { updatedAt: undefined }));
    const before = tray.sent.length;
    app.update(state({}, { updatedAt: undefined }));
    expect(tray.sent.length).toBe(before);

    // SoC 57 → 58: one row, and the icon (new digits), title and tooltip.
    tray.sent.length = 0;
    app.update(state({}, { soc: 58, updatedAt: undefined }));
    expect(tray.sent.map((a) => `${a.type}:${a.item?.title ?? a.menu?.title}`)).toEqual(['update-item:State of charge: 58 %', 'update-menu:58 % ↓310 W']);
    expect(app.menu.icon).toBe('58-discharge');
    expect(tray.sent[1]!.menu!.icon).not.toBe(tray.conf.menu.icon);

    // Charging: power row + icon/title/tooltip (one update-menu without items).
    tray.sent.length = 0;
    app.update(state({}, { soc: 58, batteryPower: -245, status: 'charge', updatedAt: undefined }));
    expect(tray.sent.map((a) => a.type)).toEqual(['update-item', 'update-menu']);
    expect(tray.sent[0]!.item!.title).toBe('Charging 245 W');
    expect(tray.sent[1]!.menu!.items).toEqual([]);
    expect(tray.sent[1]!.menu!.title).toBe('58 % ↑245 W');
    expect(tray.sent.some((a) => a.type === 'update-menu-and-item')).toBe(false);
    await app.stop();
  });

  test('checkmarks never stack and clicks find rows by object, not title', async () => {
    process.env.E2E = '1';
    const h = harness();
    const app = await TrayApp.start({ ...h, systrayClass: fake, initialState: state(), toggleStyle: 'native' });
    const tray = FakeTray.last;
    const pub = rowIndex(app, 'publish');
    expect(tray.shown.get(pub + 1)!.title).toBe('Publish to MQTT (√)');
    for (const publishing of [false, true, false, true, true]) app.update(state({ publishing }, { updatedAt: undefined }));
    expect(tray.shown.get(pub + 1)!.title).toBe('Publish to MQTT (√)');
    app.update(state({ publishing: false }, { updatedAt: undefined }));
    expect(tray.shown.get(pub + 1)!.title).toBe('Publish to MQTT');
    app.update(state({ publishing: true }, { updatedAt: undefined }));

    tray.click(pub);
    tray.click(rowIndex(app, 'refresh'));
    tray.click(rowIndex(app, 'settings'));
    tray.click(rowIndex(app, 'b0.soc')); // a reading: opens the settings page
    tray.click(rowIndex(app, 'b1.gap')); // hidden, no action
    tray.click(rowIndex(app, 'quit'));
    expect(h.calls).toEqual(['togglePublish', 'refresh', 'openSettings', 'openSettings', 'quit']);
    expect(h.lines.filter((l) => l.includes('tray: clicked')).map((l) => l.replace(/^.*tray: /, ''))).toEqual([
      'clicked Publish to MQTT',
      'clicked Refresh now',
      'clicked Settings…',
      'clicked State of charge: 57 %',
      'clicked ',
      'clicked Quit',
    ]);
    await app.stop();
  });

  test('click lines are debug-only without E2E=1', async () => {
    const h = harness();
    const app = await TrayApp.start({ ...h, systrayClass: fake, initialState: state() });
    FakeTray.last.click(rowIndex(app, 'refresh'));
    expect(h.calls).toEqual(['refresh']);
    expect(h.lines.join('\n')).not.toContain('tray: clicked');
    await app.stop();
  });

  test('the problem row opens Settings only when the fix is there', async () => {
    const h = harness();
    const app = await TrayApp.start({ ...h, systrayClass: fake, initialState: state() });
    const p = rowIndex(app, 'problem');
    app.update({ ...state(), snapshot: { ...state().snapshot, problem: { code: 'cloud-unreachable', message: 'x', since: 0 } } });
    FakeTray.last.click(p);
    expect(h.calls).toEqual([]);
    app.update({ ...state(), snapshot: { ...state().snapshot, problem: { code: 'wrong-password', message: 'x', since: 0 } } });
    FakeTray.last.click(p);
    expect(h.calls).toEqual(['openSettings']);
    await app.stop();
  });

  test('Battery control: a submenu built once; children clicked by object; the parent updated without its children', async () => {
    process.env.E2E = '1';
    const h = harness();
    const app = await TrayApp.start({ ...h, systrayClass: fake, initialState: state({ controls: controls() }), toggleStyle: 'native' });
    const tray = FakeTray.last;
    // The tree: the parent carries its children; every row has exactly one item.
    const top = tray.conf.menu.items;
    const parent = top.find((it) => it.title.startsWith('Battery control'))!;
    expect(parent.title).toBe('Battery control');
    expect(parent.items!.map((c) => c.title)).toEqual(app.menu.rows.filter((r) => r.parent === 'controls').map((r) => r.text));
    expect(tray.items).toHaveLength(app.menu.rows.length);
    expect(top.length + parent.items!.length).toBe(app.menu.rows.length);
    expect(top.every((it) => !it.items || it === parent)).toBe(true);

    const grid = rowIndex(app, 'c0.grid_charging');
    const confirm = rowIndex(app, 'c0.grid_confirm');
    const input = rowIndex(app, 'c0.input_power');
    // One click on grid charging only asks: the confirming rows appear under it, the app is not called.
    expect(tray.shown.get(confirm + 1)!.hidden).toBe(true);
    tray.click(confirm); // hidden: nothing
    tray.click(grid);
    expect(h.calls).toEqual([]);
    expect(tray.shown.get(grid + 1)).toMatchObject({ title: 'Grid charging: off ▸', enabled: false });
    expect(tray.shown.get(confirm + 1)).toMatchObject({ title: '    Turn on grid charging', hidden: false });
    tray.click(confirm);
    tray.click(confirm); // the confirmation is used up
    tray.click(input);
    tray.click(rowIndex(app, 'controls')); // the parent: opens the submenu, no action
    expect(h.calls).toEqual(['toggleGridCharging SN1', 'openSettings control-SN1-input_power']);
    expect(tray.shown.get(confirm + 1)!.hidden).toBe(true);

    // A write runs: the checkbox is disabled; a click now does nothing.
    tray.sent.length = 0;
    app.update(state({ controls: controls({ writing: true }) }, { updatedAt: undefined }));
    expect(tray.shown.get(grid + 1)).toMatchObject({ title: 'Grid charging: switching…', enabled: false });
    tray.click(grid);
    expect(tray.shown.get(confirm + 1)!.hidden).toBe(true);
    expect(h.calls).toHaveLength(2);
    // Confirmed on, several times over: the checkmark never stacks.
    for (let i = 0; i < 3; i++) app.update(state({ controls: controls({ grid: true, input: 800 + i }) }, { updatedAt: undefined }));
    expect(tray.shown.get(grid + 1)).toMatchObject({ title: 'Grid charging: on (√)', enabled: true, checked: true });
    expect(tray.shown.get(input + 1)!.title).toBe('Input power: 802 W…');

    // Controls gone (e.g. the bridge restarts): the parent is disabled with a hint, never hidden, and goes out
    // without its children (systray2 would append checkmarks to them again).
    tray.sent.length = 0;
    app.update(state({ controls: [] }, { updatedAt: undefined }));
    const p = rowIndex(app, 'controls');
    expect(tray.shown.get(p + 1)).toMatchObject({ title: 'Battery control (reading…)', enabled: false, hidden: false });
    const parentUpdate = tray.sent.find((a) => a.item?.__id === p + 1)!;
    expect(parentUpdate.type).toBe('update-item');
    expect(parentUpdate.item!.items).toBeUndefined();
    expect(tray.sent.every((a) => !a.item || a.item.hidden === false || a.item.__id !== p + 1)).toBe(true);
    expect(parent.items!.every((c) => !/\(√\) \(√\)/.test(c.title))).toBe(true);
    expect(tray.shown.get(grid + 1)!.hidden).toBe(true);

    app.update(state({ controls: controls({ grid: true }) }, { updatedAt: undefined }));
    expect(tray.shown.get(p + 1)).toMatchObject({ title: 'Battery control', enabled: true, hidden: false });
    expect(tray.shown.get(grid + 1)).toMatchObject({ title: 'Grid charging: on (√)', hidden: false });

    // Cancel: the rows go, nothing changes.
    tray.click(grid);
    expect(tray.shown.get(confirm + 1)).toMatchObject({ title: '    Turn off grid charging', hidden: false });
    tray.click(rowIndex(app, 'c0.grid_cancel'));
    expect(tray.shown.get(confirm + 1)!.hidden).toBe(true);
    tray.click(confirm);
    expect(h.calls).toHaveLength(2);
    expect(h.lines.join('\n')).toContain('tray: battery change cancelled');
    await app.stop();
  });

  test("the feed's EMS mode and setpoint clearing take the same confirming step", async () => {
    const h = harness();
    const actions: TrayActions = {
      ...h.actions,
      setEmsMode: (sn, mode) => h.calls.push(`setEmsMode ${sn} ${mode}`),
      clearSetpoint: (sn) => h.calls.push(`clearSetpoint ${sn}`),
    };
    const view = { sn: '2800', dev: 'MSA-2800', mode: 'general' as const, range: { min: -1000, max: 1000, step: 1 }, keepingAlive: false };
    const app = await TrayApp.start({ ...h, actions, systrayClass: fake, initialState: state({ feedControls: [view] }) });
    const tray = FakeTray.last;
    const mqtt = rowIndex(app, 'f0.mode_mqtt_ctrl');
    const confirm = rowIndex(app, 'f0.change_confirm');
    const cancel = rowIndex(app, 'f0.change_cancel');
    tray.click(mqtt);
    expect(h.calls).toEqual([]);
    expect(tray.shown.get(mqtt + 1)).toMatchObject({ title: 'MQTT control (mqtt_ctrl) ▸', enabled: false });
    expect(tray.shown.get(confirm + 1)).toMatchObject({ title: '    Switch to MQTT control', hidden: false });
    expect(h.lines.join('\n')).toContain('tray: EMS mode mqtt_ctrl for 2800? waiting for the confirming click');
    tray.click(cancel);
    tray.click(confirm); // cancelled: nothing
    expect(h.calls).toEqual([]);
    tray.click(mqtt);
    tray.click(confirm);
    tray.click(confirm); // used up
    expect(h.calls).toEqual(['setEmsMode 2800 mqtt_ctrl']);
    expect(tray.shown.get(confirm + 1)!.hidden).toBe(true);

    // The setpoint: "clear" only asks as well.
    app.update(state({ feedControls: [{ ...view, mode: 'mqtt_ctrl', setpoint: 300, keepingAlive: true }] }));
    const sp = rowIndex(app, 'f0.setpoint');
    tray.click(sp);
    expect(h.calls).toHaveLength(1);
    expect(tray.shown.get(confirm + 1)).toMatchObject({ title: '    Clear the power setpoint', hidden: false });
    tray.click(confirm);
    expect(h.calls).toEqual(['setEmsMode 2800 mqtt_ctrl', 'clearSetpoint 2800']);
    await app.stop();
  });

  test('Linux style: toggles are ☑/☐ glyphs in the title, never the stacking "(√)"', async () => {
    const h = harness();
    const app = await TrayApp.start({ ...h, systrayClass: fake, initialState: state({ controls: controls(), autostart: false }), platform: 'linux' });
    const tray = FakeTray.last;
    const title = (id: string) => tray.shown.get(rowIndex(app, id) + 1)!.title;
    expect([title('publish'), title('autostart'), title('c0.grid_charging')]).toEqual(['☑ Publish to MQTT', '☐ Start at login', '☐ Grid charging: off']);
    for (const publishing of [false, true, true]) app.update(state({ publishing, controls: controls({ grid: publishing }), autostart: publishing }, { updatedAt: undefined }));
    expect([title('publish'), title('autostart'), title('c0.grid_charging')]).toEqual(['☑ Publish to MQTT', '☑ Start at login', '☑ Grid charging: on']);
    expect([...tray.shown.values()].every((it) => !it.title.includes('(√)'))).toBe(true);
    await app.stop();
  });

  test('icons are drawn per OS (ICO on Windows, PNG elsewhere) and each look only once', async () => {
    const h = harness();
    const app = await TrayApp.start({ ...h, systrayClass: fake, initialState: state(), platform: 'win32' });
    const tray = FakeTray.last;
    const ico = Buffer.from(tray.conf.menu.icon, 'base64');
    expect([ico.readUInt16LE(0), ico.readUInt16LE(2), ico.readUInt16LE(4)]).toEqual([0, 1, 4]);
    tray.sent.length = 0;
    app.update(state({}, { soc: 12, updatedAt: undefined }));
    app.update(state({}, { soc: 57, updatedAt: undefined }));
    const icons = tray.sent.filter((a) => a.type === 'update-menu').map((a) => a.menu!.icon);
    expect(icons).toHaveLength(2);
    expect(icons[1]).toBe(tray.conf.menu.icon); // back to 57: the same bytes
    await app.stop();
  });

  test('Start at login and Open log', async () => {
    const h = harness();
    const app = await TrayApp.start({ ...h, systrayClass: fake, initialState: state(), toggleStyle: 'native' });
    const tray = FakeTray.last;
    const auto = rowIndex(app, 'autostart');
    const log = rowIndex(app, 'log');
    expect(tray.shown.get(auto + 1)!.hidden).toBe(true);
    expect(tray.shown.get(log + 1)!.hidden).toBe(true);
    app.update(state({ autostart: false, logPath: '/tmp/app.log' }));
    expect(tray.shown.get(auto + 1)).toMatchObject({ title: 'Start at login', hidden: false, checked: false });
    expect(tray.shown.get(log + 1)).toMatchObject({ title: 'Open log', hidden: false, tooltip: '/tmp/app.log' });
    tray.click(auto);
    tray.click(log);
    app.update(state({ autostart: true, logPath: '/tmp/app.log' }));
    expect(tray.shown.get(auto + 1)).toMatchObject({ title: 'Start at login (√)', checked: true });
    expect(h.calls).toEqual(['toggleAutostart', 'openLog']);
    await app.stop();
  });

  test('a non-JSON line from the helper ("Quit" on SIGTERM) does not crash', async () => {
    const h = harness();
    const app = await TrayApp.start({ ...h, systrayClass: fake, initialState: state() });
    expect(() => FakeTray.last._rl.emit('line', 'Quit')).not.toThrow();
    await app.stop();
  });

  test('an unexpected helper exit is logged, reported, and later updates are ignored', async () => {
    const h = harness();
    const exits: (number | null)[] = [];
    const app = await TrayApp.start({ ...h, systrayClass: fake, initialState: state(), onHelperExit: (code) => exits.push(code) });
    FakeTray.last.process!.exit(2, null);
    expect(app.alive).toBe(false);
    expect(app.helperPid).toBeUndefined();
    expect(exits).toEqual([2]);
    expect(h.lines.some((l) => /ERROR.*Tray helper exited unexpectedly \(code 2\)/.test(l))).toBe(true);
    const n = FakeTray.last.sent.length;
    app.update(state({}, { soc: 10 }));
    expect(FakeTray.last.sent.length).toBe(n);
    await app.stop(); // resolves at once
  });

  test('stop() uses kill(false), waits for the exit, and is idempotent', async () => {
    const h = harness();
    const app = await TrayApp.start({ ...h, systrayClass: fake, initialState: state() });
    const tray = FakeTray.last;
    await Promise.all([app.stop(), app.stop()]);
    expect(tray.sent.filter((a) => a.type === 'exit')).toHaveLength(1);
    expect(tray.process!.exitCode).toBe(0);
    expect(app.alive).toBe(false);
    expect(h.lines.join('\n')).not.toMatch(/ERROR/);
  });

  test('a helper that dies at start rejects with a readable error', async () => {
    FakeTray.mode = 'die';
    const h = harness();
    await expect(TrayApp.start({ ...h, systrayClass: fake })).rejects.toThrow(/could not start.*exited \(code 1\).*cannot open display.*Hint: no graphical display/);
  });

  test('a helper that never gets ready times out and is killed', async () => {
    FakeTray.mode = 'hang';
    const h = harness();
    const t0 = Date.now();
    await expect(TrayApp.start({ ...h, systrayClass: fake, readyTimeoutMs: 200 })).rejects.toThrow(/did not report ready within 200 ms/);
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(FakeTray.last.process!.killed).toEqual(['SIGKILL']);
  });
});

describe.skipIf(process.platform !== 'linux' || process.arch !== 'x64')('TrayApp with the real helper', () => {
  test('finds the helper in node_modules when unbundled', () => {
    expect(findHelper()).toMatch(/node_modules[\\/]systray2[\\/]traybin[\\/]tray_linux_release$/);
    expect(helperBinaryName('win32')).toBe('tray_windows_release.exe');
  });

  test('without a display: a readable rejection, fast, no hang', async () => {
    const saved = { DISPLAY: process.env.DISPLAY, WAYLAND_DISPLAY: process.env.WAYLAND_DISPLAY };
    process.env.DISPLAY = ':12345';
    delete process.env.WAYLAND_DISPLAY;
    try {
      const h = harness();
      const t0 = Date.now();
      const err = await TrayApp.start({ ...h, readyTimeoutMs: 8_000 }).catch((e: Error) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toMatch(/The tray icon could not start: the helper exited \(code 1\) before it was ready/);
      expect((err as Error).message).toMatch(/cannot open display/);
      expect(Date.now() - t0).toBeLessThan(5_000);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});
