/** The one place the app holds the control error: fed by the app's own changes and the controls' reports. */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { ControlFeedback } from '../../src/app/control-feedback.js';
import type { BatteryControls } from '../../src/controls/battery-controls.js';
import type { NativeControls } from '../../src/native/controls.js';

/** Stand-ins with the events and the field the feedback follows. */
const cloudControls = () => new EventEmitter() as unknown as BatteryControls & EventEmitter;
const feedControls = () => Object.assign(new EventEmitter(), { lastControlError: undefined as string | undefined }) as unknown as NativeControls & EventEmitter;

describe('ControlFeedback', () => {
  it("takes the cloud's failures and confirmations, and the tray's own refusals", () => {
    let redraws = 0;
    const f = new ControlFeedback(() => redraws++);
    const cloud = cloudControls();
    f.follow(cloud, undefined);
    cloud.emit('control-error', { message: 'The battery could not switch grid charging on: Device offline.' });
    expect(f.error).toBe('The battery could not switch grid charging on: Device offline.');
    expect(redraws).toBe(1);
    cloud.emit('confirmed', {});
    expect(f.error).toBeUndefined();
    f.failed('Too soon: at most one change of this setting per 10 s.');
    expect(f.error).toBe('Too soon: at most one change of this setting per 10 s.');
    f.sent('✓ Grid charging on');
    expect(f.error).toBeUndefined();
    expect(f.notice).toBe('✓ Grid charging on');
    cloud.emit('refused', {});
    expect(f.notice).toBeUndefined();
  });

  it("follows the feed's last refusal on its changes and on snapshots; an old one never overrides a newer error", () => {
    const f = new ControlFeedback(() => undefined);
    const feed = feedControls();
    f.follow(undefined, feed);
    feed.lastControlError = 'Battery MSA-1 has not been seen on the feed.';
    f.onSnapshot(); // a refusal from Home Assistant comes without a change event
    expect(f.error).toBe('Battery MSA-1 has not been seen on the feed.');
    f.failed('The MQTT broker is not connected.');
    feed.emit('change', 'SN');
    expect(f.error).toBe('The MQTT broker is not connected.'); // the feed said nothing new
    f.sent();
    feed.lastControlError = 'Another MQTT client wrote the EMS mode "general".';
    feed.emit('change', 'SN');
    expect(f.error).toBe('Another MQTT client wrote the EMS mode "general".');
    feed.lastControlError = undefined; // a later command went through
    feed.emit('change', 'SN');
    expect(f.error).toBeUndefined();
  });

  it('an EMS mode asked for from the tray is answered once, and only by that mode', () => {
    const f = new ControlFeedback(() => undefined);
    f.failed('x');
    f.askedMode('SN', 'mqtt_ctrl');
    expect(f.error).toBeUndefined();
    expect(f.answered('SN', 'general')).toBe(false);
    expect(f.answered('SN', 'mqtt_ctrl')).toBe(true);
    expect(f.answered('SN', 'mqtt_ctrl')).toBe(false);
  });
});
