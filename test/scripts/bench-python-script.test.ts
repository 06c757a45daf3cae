/**
 * The pure parts of scripts/bench/python-script.ts (how the bench sets up and measures the original Python
 * script): its config file, the /proc run-time reading, the broker address, and the rows when it is not measured.
 */
import { describe, expect, test } from 'vitest';
import { brokerHostPort, checkScript, notMeasuredRows, procCpuMs, PYTHON, schedstatNs, scriptConfig } from '../../scripts/bench/python-script.js';

describe('scriptConfig', () => {
  test('writes the key=value lines the script reads beside itself (token, sid, inverterId, login_url)', () => {
    const text = scriptConfig({ token: '2.abc_-.1', sid: 1234567, inverterId: 123, loginUrl: 'https://euapi.hoymiles.com' });
    expect(text).toBe('token=2.abc_-.1\nsid=1234567\ninverterId=123\nlogin_url=https://euapi.hoymiles.com\n');
    // As the script's load_config reads it: split on the first "=".
    const read = Object.fromEntries(text.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    expect(read).toEqual({ token: '2.abc_-.1', sid: '1234567', inverterId: '123', login_url: 'https://euapi.hoymiles.com' });
  });

  test('refuses a value that would break its lines', () => {
    expect(() => scriptConfig({ token: 'a\nsid=1', sid: 1, inverterId: 2, loginUrl: 'x' })).toThrow(/token/);
    expect(() => scriptConfig({ token: '', sid: 1, inverterId: 2, loginUrl: 'x' })).toThrow(/token is empty/);
  });
});

describe('process CPU from /proc', () => {
  test('schedstatNs reads the run time (first field, ns) and refuses anything else', () => {
    expect(schedstatNs('1343448 89833 2\n')).toBe(1343448);
    expect(() => schedstatNs('')).toThrow(/schedstat/);
    expect(() => schedstatNs('12 34\n')).toThrow(/schedstat/);
  });

  test('procCpuMs sums the threads of a live process and grows with its work; NaN for a process that is gone', () => {
    const before = procCpuMs(process.pid);
    const end = process.cpuUsage().user + 50_000;
    while (process.cpuUsage().user < end); // 50 ms of CPU
    const after = procCpuMs(process.pid);
    expect(before).toBeGreaterThan(0);
    expect(after - before).toBeGreaterThanOrEqual(40);
    expect(procCpuMs(2 ** 22 + 1)).toBeNaN(); // above pid_max's ceiling
  });
});

test('brokerHostPort gives the MQTT_BROKER and MQTT_PORT of an mqtt:// URL and refuses others', () => {
  expect(brokerHostPort('mqtt://127.0.0.1:41883')).toEqual({ host: '127.0.0.1', port: 41883 });
  expect(brokerHostPort('mqtt://127.0.0.1')).toEqual({ host: '127.0.0.1', port: 1883 });
  expect(() => brokerHostPort('mqtts://127.0.0.1:8883')).toThrow(/mqtt:\/\//);
});

test('without the script the row says it was not measured, why, and how to get it, with no verdict', () => {
  const [row, ...rest] = notMeasuredRows('1s', 'BENCH_PYTHON_SCRIPT is not set');
  expect(rest).toEqual([]);
  expect(row!.value).toMatch(/^not measured: BENCH_PYTHON_SCRIPT is not set; .*git clone https:\/\/github.com\/krikk\/hoymiles-ms-a2-to-mqtt/);
  expect(row!.value).toMatch(/python3-requests python3-paho-mqtt python3-jsonpath-rw/);
  expect(row!.met).toBeUndefined();
  expect(row!.aim).toBe('< 1× the script');
});

test('checkScript says why the script cannot be measured: no variable, no file, no interpreter', async () => {
  expect(await checkScript(undefined, PYTHON)).toBe('BENCH_PYTHON_SCRIPT is not set');
  expect(await checkScript('', PYTHON)).toBe('BENCH_PYTHON_SCRIPT is not set');
  expect(await checkScript('/nonexistent/hoymiles-ms-a2-to-mqtt.py', PYTHON)).toBe('BENCH_PYTHON_SCRIPT (/nonexistent/hoymiles-ms-a2-to-mqtt.py) does not exist');
  expect(await checkScript(__filename, '/nonexistent/python3')).toBe('/nonexistent/python3 is missing');
  // An interpreter that runs but cannot import the script's modules (here: one that always fails).
  expect(await checkScript(__filename, '/bin/false')).toMatch(/^\/bin\/false cannot load the script's modules \(Command failed: \/bin\/false/);
});
