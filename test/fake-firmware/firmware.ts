/**
 * A fake MS-A2 firmware for tests and the benchmark: a real MQTT.js client that behaves like the battery's own
 * MQTT interface as the reference describes it (ms-a2-native-mqtt.md §8): retained discovery with the firmware's
 * known defects on every (re)connect, quick/state every second (QoS 0) and device/system state every 5 minutes
 * (QoS 1, system only on the master), none retained, the EMS-mode state machine, setpoints applied only in
 * `mqtt_ctrl`, and the watchdog that falls back to `general` when no setpoint came for a minute. Rates are
 * configurable so tests run fast. No LWT, no birth message, no acks for EMS or setpoint.
 */
import mqtt, { type MqttClient } from 'mqtt';

export type EmsMode = 'general' | 'mqtt_ctrl' | 'tou_plan';

export interface FakeFirmwareOptions {
  url: string;
  sn: string;
  /** Client prefix (default MSA): dev id `<prefix>-<sn>`; '' = the bare serial. */
  prefix?: string;
  /** A slave sends no system/state, no sys_* keys, no control configs, and takes no commands. */
  master?: boolean;
  quickMs?: number;
  slowMs?: number;
  /** Publish device/system state right after connecting too (the real behaviour is not known). */
  slowOnConnect?: boolean;
  /** No setpoint for this long in mqtt_ctrl: back to general (default 60 s). */
  fallbackMs?: number;
  /** false: an identical repeated setpoint does not restart the watchdog (tests the 0.1 W nudge). */
  repeatResetsWatchdog?: boolean;
  /** Firmware ≤ 1.3.101: the switch config has no command_topic (and the switch topic is not subscribed). */
  oldSwitch?: boolean;
  /** Older firmware's retained `text/<d>/tou_dayN` configs with `"mode":"textarea"`. */
  legacyText?: boolean;
  /** Guide V0.1: two EMS options, no TOU. */
  v01?: boolean;
  /** After a mode change, system/state keeps reporting the old mode this long (tests the echo guard). */
  modeReportDelayMs?: number;
  initial?: Partial<FirmwareState>;
}

export interface FirmwareState {
  soc: number;
  /** The battery's own logic's power (+ = discharge) outside mqtt_ctrl. */
  ownPower: number;
  temperature: number;
  voltage: number;
  current: number;
  rssi: number;
  pv: number;
  pv2: number;
  grid: number;
  load: number;
  chargedToday: number;
  dischargedToday: number;
  emsMode: EmsMode;
  /** The setpoint being followed in mqtt_ctrl (W, + = discharge). */
  setpoint?: number;
  /** Override: send this bat_sts instead of the derived one (e.g. 'lock'). */
  status?: 'standby' | 'charge' | 'discharge' | 'lock';
}

export interface ReceivedCommand {
  topic: string;
  payload: string;
  retain: boolean;
  at: number;
}

const ROOT = 'homeassistant';

export class FakeFirmware {
  readonly dev: string;
  readonly state: FirmwareState;
  readonly commands: ReceivedCommand[] = [];
  /** Every fallback to general by the watchdog. */
  fallbacks = 0;
  /** Published state messages by kind. */
  readonly sent = { quick: 0, device: 0, system: 0 };
  private client?: MqttClient;
  private quickTimer?: NodeJS.Timeout;
  private slowTimer?: NodeJS.Timeout;
  private silent = false;
  private lastSetpointAt = 0;
  private lastSetpointPayload?: string;
  private modeChangedAt = 0;
  private previousMode: EmsMode = 'general';
  private readonly o: Required<Omit<FakeFirmwareOptions, 'initial' | 'modeReportDelayMs'>> & { modeReportDelayMs: number };

  private constructor(opts: FakeFirmwareOptions) {
    this.o = {
      prefix: 'MSA',
      master: true,
      quickMs: 1_000,
      slowMs: 300_000,
      slowOnConnect: false,
      fallbackMs: 60_000,
      repeatResetsWatchdog: true,
      oldSwitch: false,
      legacyText: false,
      v01: false,
      modeReportDelayMs: 0,
      ...opts,
    };
    this.dev = this.o.prefix ? `${this.o.prefix}-${opts.sn}` : opts.sn;
    this.state = {
      soc: 57,
      ownPower: 310,
      temperature: 22.5,
      voltage: 51.2,
      current: -6.05,
      rssi: -61,
      pv: 120.4,
      pv2: 0,
      grid: 6.2,
      load: 436.6,
      chargedToday: 285,
      dischargedToday: 641,
      emsMode: 'general',
      ...opts.initial,
    };
  }

  static async start(opts: FakeFirmwareOptions): Promise<FakeFirmware> {
    const f = new FakeFirmware(opts);
    await f.connect();
    return f;
  }

  /** The power the battery delivers now (+ = discharge). */
  get batteryPower(): number {
    return this.state.emsMode === 'mqtt_ctrl' && this.state.setpoint !== undefined ? this.state.setpoint : this.state.ownPower;
  }

  topic(kind: 'quick' | 'device' | 'system'): string {
    return `${ROOT}/sensor/${this.dev}/${kind}/state`;
  }

  // ---- connection ---------------------------------------------------------------------------------------

  async connect(): Promise<void> {
    const client = mqtt.connect(this.o.url, { clientId: `fake-fw-${this.dev}-${Math.random().toString(16).slice(2, 8)}`, reconnectPeriod: 300, clean: true });
    this.client = client;
    client.on('message', (topic, payload, packet) => this.onCommand(topic, payload.toString(), packet.retain));
    client.on('connect', () => void this.onConnect());
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    this.quickTimer = setInterval(() => this.tickQuick(), this.o.quickMs);
    this.slowTimer = setInterval(() => this.publishSlow(), this.o.slowMs);
  }

  /** Every (re)connect: retained configs again, subscribe to the command topics. */
  private async onConnect(): Promise<void> {
    const c = this.client!;
    for (const [topic, payload] of this.configs()) c.publish(topic, payload, { qos: 1, retain: true });
    const subs = [`${ROOT}/switch/${this.dev}/set`];
    if (this.o.oldSwitch) subs.pop();
    if (this.o.master) {
      subs.push(`${ROOT}/select/${this.dev}/ems_mode/command`, `${ROOT}/number/${this.dev}/power_ctrl/set`);
      if (!this.o.v01) subs.push(`${ROOT}/sensor/${this.dev}/tou_day_plan/set`, `${ROOT}/sensor/${this.dev}/tou_week_plan/set`, `${ROOT}/sensor/${this.dev}/tou_plan/get`);
    }
    if (subs.length) await c.subscribeAsync(subs, { qos: 1 });
    if (this.o.slowOnConnect) this.publishSlow();
  }

  /** The retained discovery exactly as the guide shows it, defects included (§4). */
  configs(): [string, string][] {
    const d = this.dev;
    const device = { identifiers: [this.o.sn], name: d, manufacturer: 'Hoymiles', model: 'MS-A2' };
    const sw: Record<string, unknown> = {
      state_topic: `${ROOT}/sensor/${d}/device/state`,
      json_attributes_topic: `${ROOT}/sensor/${d}/attributes`,
      unique_id: d,
      device: { ...device, sw_version: '1.0.0' },
    };
    if (!this.o.oldSwitch) sw.command_topic = `${ROOT}/switch/${d}/set`;
    const supported: Record<string, string> = {
      quick_state: this.topic('quick'),
      device_state: this.topic('device'),
      switch_ctrl: `${ROOT}/switch/${d}/set`,
    };
    if (this.o.master) {
      supported.system_state = this.topic('system');
      supported.ems_mode = `${ROOT}/select/${d}/ems_mode/command`;
      supported.power_ctrl = `${ROOT}/number/${d}/power_ctrl/set`;
      if (!this.o.v01) Object.assign(supported, { tou_day_plan: `${ROOT}/sensor/${d}/tou_day_plan/set`, tou_week_plan: `${ROOT}/sensor/${d}/tou_week_plan/set`, tou_get: `${ROOT}/sensor/${d}/tou_plan/get` });
    }
    const out: [string, string][] = [
      [`${ROOT}/switch/${d}/config`, JSON.stringify(sw)],
      [`${ROOT}/sensor/${d}/attributes`, JSON.stringify({ supported_topics: supported })],
      // No unique_id and no state_class: Home Assistant cannot manage these two (the owners' complaint).
      [`${ROOT}/sensor/${d}/soc/config`, JSON.stringify({ name: 'soc', state_topic: this.topic('quick'), value_template: '{{ value_json.soc }}', device_class: 'battery', unit_of_measurement: '%', device })],
      [`${ROOT}/sensor/${d}/bat_p/config`, JSON.stringify({ name: 'bat_power', state_topic: this.topic('quick'), value_template: '{{ value_json.bat_p }}', device_class: 'power', unit_of_measurement: 'W', device })],
    ];
    if (this.o.master) {
      // The select has no state_topic; the number's unit is "w"; both share the unique_id "<d>".
      out.push([`${ROOT}/select/${d}/ems_mode/config`, JSON.stringify({ command_topic: `${ROOT}/select/${d}/ems_mode/command`, options: this.o.v01 ? ['general', 'mqtt_ctrl'] : ['general', 'mqtt_ctrl', 'tou_plan'], unique_id: d, device })]);
      out.push([
        `${ROOT}/number/${d}/power_ctrl/config`,
        JSON.stringify({ name: null, command_topic: `${ROOT}/number/${d}/power_ctrl/set`, device_class: 'power', unit_of_measurement: 'w', min: -1000, max: 1000, step: 0.1, unique_id: d, device }),
      ]);
    }
    if (this.o.legacyText) {
      for (let i = 1; i <= 8; i++) out.push([`${ROOT}/text/${d}/tou_day${i}/config`, JSON.stringify({ name: `tou_day${i}`, mode: 'textarea', command_topic: `${ROOT}/sensor/${d}/tou_day_plan/set`, device })]);
    }
    return out;
  }

  /** Drops the link without a clean disconnect, as a Wi-Fi loss would. */
  dropConnection(): void {
    this.client?.stream.destroy();
  }

  /** Stops (or resumes) publishing state: the broker link stays up (staleness tests). */
  setSilent(on: boolean): void {
    this.silent = on;
  }

  async stop(): Promise<void> {
    clearInterval(this.quickTimer);
    clearInterval(this.slowTimer);
    await this.client?.endAsync(true).catch(() => undefined);
  }

  // ---- state topics ---------------------------------------------------------------------------------------

  private status(p: number): 'standby' | 'charge' | 'discharge' | 'lock' {
    if (this.state.status) return this.state.status;
    return Math.abs(p) < 1 ? 'standby' : p > 0 ? 'discharge' : 'charge';
  }

  quickPayload(): Record<string, unknown> {
    const s = this.state;
    const p = r1(this.batteryPower);
    const q: Record<string, unknown> = { grid_on_p: r1(-p), grid_off_p: 0, bat_sts: this.status(p), bat_p: p, soc: r2(s.soc), heat: false };
    if (this.o.master) {
      Object.assign(q, {
        sys_pv_p: r1(s.pv), sys_plug_p: r1(p), sys_bat_p: p, sys_grid_p: r1(s.grid), sys_load_p: r1(s.load), sys_sp_p: 0,
        sys_soc: r2(s.soc), sys_heat: false, sys_pv2_p: r1(s.pv2), sys_eps_p: 0,
      });
    }
    return q;
  }

  devicePayload(): Record<string, unknown> {
    const s = this.state;
    const p = r1(this.batteryPower);
    const port = (type: string, f: boolean) => ({ type, v: 230.1, i: r2(Math.abs(p) / 230), ...(f ? { f: 50.01 } : {}), p: r1(-p), q: 0, ein: Math.round(s.chargedToday), eout: Math.round(s.dischargedToday), etin: 120_000 + Math.round(s.chargedToday), etout: 110_000 + Math.round(s.dischargedToday) });
    return {
      grid: [port('grid_on', true), port('grid_off', true), port('inv', false)],
      bat_sts: this.status(p), bat_v: r2(s.voltage), bat_i: r2(s.current), bat_p: p, bat_temp: r1(s.temperature), soc: r2(s.soc), rssi: s.rssi,
    };
  }

  systemPayload(): Record<string, unknown> {
    const s = this.state;
    const p = r1(this.batteryPower);
    // Right after a mode change the firmware may still report the old one.
    const mode = Date.now() - this.modeChangedAt < this.o.modeReportDelayMs ? this.previousMode : s.emsMode;
    return {
      pv_p: r1(s.pv), pv2_p: r1(s.pv2), plug_p: p, bat_p: p, grid_p: r1(s.grid), load_p: r1(s.load), sp_p: 0, eps_p: 0, soc: r2(s.soc),
      pv_e: 1200, pv2_e: 0, dchg_e: Math.round(s.dischargedToday), chg_e: Math.round(s.chargedToday), plug_out_e: 0, plug_in_e: 0, ems_mode: mode,
    };
  }

  private tickQuick(): void {
    this.watchdog();
    // SoC follows the power a little, and the day's counters with it.
    const p = this.batteryPower;
    const hours = this.o.quickMs / 3_600_000;
    if (p > 0) this.state.dischargedToday += p * hours;
    else this.state.chargedToday += -p * hours;
    this.publishQuick();
  }

  publishQuick(): void {
    if (this.silent || !this.client?.connected) return;
    this.sent.quick++;
    this.client.publish(this.topic('quick'), JSON.stringify(this.quickPayload()), { qos: 0, retain: false });
  }

  publishSlow(): void {
    if (this.silent || !this.client?.connected) return;
    this.sent.device++;
    this.client.publish(this.topic('device'), JSON.stringify(this.devicePayload()), { qos: 1, retain: false });
    if (this.o.master) {
      this.sent.system++;
      this.client.publish(this.topic('system'), JSON.stringify(this.systemPayload()), { qos: 1, retain: false });
    }
  }

  /** Fault injection: any payload on one of the state topics. */
  publishRaw(kind: 'quick' | 'device' | 'system', payload: string | Buffer): void {
    this.client?.publish(this.topic(kind), payload, { qos: 0, retain: false });
  }

  /** The simulated day change: today's counters start again at 0. */
  newDay(): void {
    this.state.chargedToday = 0;
    this.state.dischargedToday = 0;
  }

  // ---- commands -------------------------------------------------------------------------------------------

  private onCommand(topic: string, payload: string, retain: boolean): void {
    // The device cannot tell a retained command from a live one: it applies both (§8.11).
    this.commands.push({ topic, payload, retain, at: Date.now() });
    if (!this.o.master) return;
    if (topic === `${ROOT}/select/${this.dev}/ems_mode/command`) {
      const options: EmsMode[] = this.o.v01 ? ['general', 'mqtt_ctrl'] : ['general', 'mqtt_ctrl', 'tou_plan'];
      if (!(options as string[]).includes(payload)) return; // unknown option: ignored
      // Entering mqtt_ctrl starts the minute; re-asserting it does not restart it (the conservative reading).
      if (payload === 'mqtt_ctrl' && this.state.emsMode !== 'mqtt_ctrl') this.lastSetpointAt = Date.now();
      this.setMode(payload as EmsMode);
    } else if (topic === `${ROOT}/number/${this.dev}/power_ctrl/set`) {
      if (!/^-?\d+(\.\d+)?$/.test(payload.trim())) return;
      const v = Math.max(-1000, Math.min(1000, Number(payload))); // out of range: clamped (the real behaviour is not known)
      const repeated = payload === this.lastSetpointPayload;
      this.lastSetpointPayload = payload;
      if (!repeated || this.o.repeatResetsWatchdog) this.lastSetpointAt = Date.now();
      if (this.state.emsMode === 'mqtt_ctrl') this.state.setpoint = v;
    }
  }

  private setMode(mode: EmsMode): void {
    if (mode === this.state.emsMode) return;
    this.previousMode = this.state.emsMode;
    this.modeChangedAt = Date.now();
    this.state.emsMode = mode;
    if (mode !== 'mqtt_ctrl') this.state.setpoint = undefined;
  }

  private watchdog(): void {
    if (this.state.emsMode !== 'mqtt_ctrl') return;
    if (Date.now() - this.lastSetpointAt > this.o.fallbackMs) {
      this.fallbacks++;
      this.setMode('general');
    }
  }
}

const r1 = (v: number) => Math.round(v * 10) / 10;
const r2 = (v: number) => Math.round(v * 100) / 100;
