import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createAutostart,
  desktopExec,
  launchCommand,
  parseDesktopExec,
  parseWindowsCommandLine,
  quoteWindowsArg,
  windowsCommandLine,
  type RegResult,
} from '../../src/platform/autostart.js';

let home: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'autostart-home-'));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

describe('launchCommand', () => {
  it('a single executable starts itself, with no arguments', () => {
    expect(launchCommand({ isSea: true, execPath: '/opt/hoymiles-tray/hoymiles-tray' })).toEqual({ executable: '/opt/hoymiles-tray/hoymiles-tray', args: [] });
  });
  it('otherwise node plus the absolute path of the bundle', () => {
    expect(launchCommand({ isSea: false, execPath: '/usr/bin/node', mainFile: 'dist/app/main.cjs' })).toEqual({
      executable: '/usr/bin/node',
      args: [resolve('dist/app/main.cjs')],
    });
  });
  it('defaults to this process', () => {
    const c = launchCommand();
    expect(c.executable).toBe(process.execPath);
    expect(c.args).toHaveLength(1);
    expect(c.args[0]).toBe(resolve(c.args[0]!));
  });
});

describe('Linux: XDG autostart desktop entry', () => {
  const command = { executable: '/usr/bin/node', args: ['/home/jane/My Apps/hoymiles-tray/dist/app/main.cjs'] };
  const file = () => join(home, '.config', 'autostart', 'hoymiles-tray.desktop');

  it('writes exactly the entry, quoted, and removes it when turned off', async () => {
    const a = createAutostart({ platform: 'linux', home, env: {}, command });
    expect(a.describe()).toBe(file());
    expect(await a.isEnabled()).toBe(false);
    await a.enable();
    expect(readFileSync(file(), 'utf8')).toBe(
      [
        '[Desktop Entry]',
        'Type=Application',
        'Name=Hoymiles Tray',
        'Comment=Hoymiles MS-A2 battery in the tray and in Home Assistant (MQTT)',
        'Exec=/usr/bin/node "/home/jane/My Apps/hoymiles-tray/dist/app/main.cjs"',
        'Terminal=false',
        'X-GNOME-Autostart-enabled=true',
        '',
      ].join('\n'),
    );
    expect(statSync(file()).mode & 0o777).toBe(0o644);
    expect(await a.isEnabled()).toBe(true);
    await a.enable(); // twice is fine
    expect(await a.isEnabled()).toBe(true);
    await a.disable();
    expect(existsSync(file())).toBe(false);
    expect(await a.isEnabled()).toBe(false);
    await a.disable(); // already off: no error
  });

  it('honours an absolute XDG_CONFIG_HOME', async () => {
    const cfg = join(home, 'cfg');
    const a = createAutostart({ platform: 'linux', home, env: { XDG_CONFIG_HOME: cfg }, command });
    await a.enable();
    expect(existsSync(join(cfg, 'autostart', 'hoymiles-tray.desktop'))).toBe(true);
    expect(existsSync(file())).toBe(false);
  });

  it('reads the state back from the file: Hidden, X-GNOME-Autostart-enabled=false, another program', async () => {
    const a = createAutostart({ platform: 'linux', home, env: {}, command });
    await a.enable();
    const text = readFileSync(file(), 'utf8');
    writeFileSync(file(), text + 'Hidden=true\n');
    expect(await a.isEnabled()).toBe(false);
    writeFileSync(file(), text.replace('X-GNOME-Autostart-enabled=true', 'X-GNOME-Autostart-enabled=false'));
    expect(await a.isEnabled()).toBe(false);
    writeFileSync(file(), text.replace('/usr/bin/node', '/usr/local/bin/node'));
    expect(await a.isEnabled()).toBe(false);
    // A key of the same name in another group does not count.
    writeFileSync(file(), text + '\n[Desktop Action x]\nHidden=true\n');
    expect(await a.isEnabled()).toBe(true);
  });

  it('Exec quoting follows the Desktop Entry Specification and reads back', () => {
    expect(desktopExec({ executable: '/opt/app/run', args: [] })).toBe('/opt/app/run');
    // Inside quotes ", `, $ and \ get a backslash; then the string escape doubles every backslash.
    expect(desktopExec({ executable: '/opt/my app/run', args: ['a"b', 'c`d', '$HOME', 'back\\slash', '100%', ''] })).toBe(
      '"/opt/my app/run" "a\\\\"b" "c\\\\`d" "\\\\$HOME" "back\\\\\\\\slash" 100%% ""',
    );
    for (const cmd of [
      { executable: '/opt/my app/run', args: ['a"b', 'c`d', '$HOME', 'back\\slash', '100%', '', 'tab\there', "it's", 'new\nline'] },
      { executable: '/usr/bin/node', args: ['/x/y.cjs'] },
    ]) {
      expect(parseDesktopExec(desktopExec(cmd))).toEqual(cmd);
    }
  });
});

describe('macOS: LaunchAgent', () => {
  const command = { executable: '/Applications/Hoymiles Tray/hoymiles-tray', args: ['--x=<a&b>'] };
  const file = () => join(home, 'Library', 'LaunchAgents', 'com.hoymiles-tray.plist');

  it('writes exactly the plist (escaped arguments, RunAtLoad, no KeepAlive) and removes it', async () => {
    const a = createAutostart({ platform: 'darwin', home, command });
    expect(a.describe()).toBe(file());
    expect(await a.isEnabled()).toBe(false);
    await a.enable();
    expect(readFileSync(file(), 'utf8')).toBe(`<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
  <key>Label</key>
  <string>com.hoymiles-tray</string>
  <key>ProgramArguments</key>
  <array>
    <string>/Applications/Hoymiles Tray/hoymiles-tray</string>
    <string>--x=&lt;a&amp;b&gt;</string>
  </array>
  <key>RunAtLoad</key>
  <true/>
  <key>KeepAlive</key>
  <false/>
  <key>ProcessType</key>
  <string>Interactive</string>
  <key>LimitLoadToSessionType</key>
  <string>Aqua</string>
</dict>
</plist>
`);
    expect(statSync(file()).mode & 0o777).toBe(0o644);
    expect(await a.isEnabled()).toBe(true);
    await a.disable();
    expect(existsSync(file())).toBe(false);
    expect(await a.isEnabled()).toBe(false);
  });

  it('is off when the plist starts something else or is disabled', async () => {
    const a = createAutostart({ platform: 'darwin', home, command });
    await a.enable();
    const text = readFileSync(file(), 'utf8');
    writeFileSync(file(), text.replace('/Applications/Hoymiles Tray/', '/tmp/'));
    expect(await a.isEnabled()).toBe(false);
    writeFileSync(file(), text.replace('<key>RunAtLoad</key>', '<key>Disabled</key>\n  <true/>\n  <key>RunAtLoad</key>'));
    expect(await a.isEnabled()).toBe(false);
    const sea = createAutostart({ platform: 'darwin', home, command: { executable: command.executable, args: [] } });
    writeFileSync(file(), text);
    expect(await sea.isEnabled()).toBe(false); // same program, other arguments
  });
});

describe('Windows: Run key through reg.exe', () => {
  const RUN = 'HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run';
  const APPROVED = 'HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\StartupApproved\\Run';
  const missing: RegResult = { code: 1, stdout: '', stderr: 'ERROR: The system was unable to find the specified registry key or value.\r\n' };

  /** A registry in a Map that answers the way reg.exe does; records every argument array. */
  function fakeReg() {
    const values = new Map<string, { type: string; data: string }>();
    const calls: string[][] = [];
    const runReg = async (args: string[]): Promise<RegResult> => {
      calls.push(args);
      const [op, key, v, name] = args;
      expect(v).toBe('/v');
      const id = `${key}|${name}`;
      if (op === 'add') {
        values.set(id, { type: args[args.indexOf('/t') + 1]!, data: args[args.indexOf('/d') + 1]! });
        return { code: 0, stdout: 'The operation completed successfully.\r\n', stderr: '' };
      }
      const val = values.get(id);
      if (!val) return missing;
      if (op === 'delete') {
        values.delete(id);
        return { code: 0, stdout: 'The operation completed successfully.\r\n', stderr: '' };
      }
      const full = key!.replace(/^HKCU/, 'HKEY_CURRENT_USER');
      return { code: 0, stdout: `\r\n${full}\r\n    ${name}    ${val.type}    ${val.data}\r\n\r\n`, stderr: '' };
    };
    return { values, calls, runReg };
  }

  it('node.exe + bundle: the exact reg.exe calls, quoted paths, and turning it off deletes the value', async () => {
    const reg = fakeReg();
    const command = { executable: 'C:\\Program Files\\nodejs\\node.exe', args: ['C:\\Users\\Jane Doe\\hoymiles tray\\dist\\app\\main.cjs'] };
    const a = createAutostart({ platform: 'win32', command, runReg: reg.runReg });
    expect(a.describe()).toBe(`${RUN}, value HoymilesTray`);
    expect(await a.isEnabled()).toBe(false);
    expect(reg.calls).toEqual([['query', RUN, '/v', 'HoymilesTray']]);

    reg.calls.length = 0;
    await a.enable();
    const data = '"C:\\Program Files\\nodejs\\node.exe" "C:\\Users\\Jane Doe\\hoymiles tray\\dist\\app\\main.cjs"';
    expect(reg.calls).toEqual([
      ['add', RUN, '/v', 'HoymilesTray', '/t', 'REG_SZ', '/d', data, '/f'],
      ['delete', APPROVED, '/v', 'HoymilesTray', '/f'],
    ]);

    reg.calls.length = 0;
    expect(await a.isEnabled()).toBe(true);
    expect(reg.calls).toEqual([
      ['query', RUN, '/v', 'HoymilesTray'],
      ['query', APPROVED, '/v', 'HoymilesTray'],
    ]);

    reg.calls.length = 0;
    await a.disable();
    expect(reg.calls).toEqual([
      ['delete', RUN, '/v', 'HoymilesTray', '/f'],
      ['delete', APPROVED, '/v', 'HoymilesTray', '/f'],
    ]);
    expect(reg.values.size).toBe(0);
    expect(await a.isEnabled()).toBe(false);
    await a.disable(); // already gone: reg.exe says exit code 1, a query confirms, no error
  });

  it('a single executable: just the quoted exe', async () => {
    const reg = fakeReg();
    const exe = 'C:\\Users\\jane\\AppData\\Local\\Programs\\hoymiles-tray\\hoymiles-tray.exe';
    const a = createAutostart({ platform: 'win32', command: { executable: exe, args: [] }, runReg: reg.runReg });
    await a.enable();
    expect(reg.calls[0]).toEqual(['add', RUN, '/v', 'HoymilesTray', '/t', 'REG_SZ', '/d', `"${exe}"`, '/f']);
    expect(await a.isEnabled()).toBe(true);
  });

  it('reads the state back: other program, Task Manager switch, case and code-page differences', async () => {
    const reg = fakeReg();
    const exe = 'C:\\Users\\Jürgen\\AppData\\Local\\Programs\\hoymiles-tray\\hoymiles-tray.exe';
    const a = createAutostart({ platform: 'win32', command: { executable: exe, args: [] }, runReg: reg.runReg });
    const run = `${RUN}|HoymilesTray`;
    reg.values.set(run, { type: 'REG_SZ', data: '"C:\\Other\\hoymiles-tray.exe"' });
    expect(await a.isEnabled()).toBe(false);
    // reg.exe prints in the OEM code page: ü arrives as U+FFFD (or '?'), case may differ.
    reg.values.set(run, { type: 'REG_SZ', data: '"c:\\users\\J\uFFFDrgen\\AppData\\Local\\Programs\\hoymiles-tray\\hoymiles-tray.exe"' });
    expect(await a.isEnabled()).toBe(true);
    reg.values.set(run, { type: 'REG_SZ', data: '"C:\\Users\\J?rgen\\AppData\\Local\\Programs\\hoymiles-tray\\hoymiles-tray.exe"' });
    expect(await a.isEnabled()).toBe(true);
    reg.values.set(`${APPROVED}|HoymilesTray`, { type: 'REG_BINARY', data: '030000000000000000000000' });
    expect(await a.isEnabled()).toBe(false);
    reg.values.set(`${APPROVED}|HoymilesTray`, { type: 'REG_BINARY', data: '020000000000000000000000' });
    expect(await a.isEnabled()).toBe(true);
    // Turning it on again clears the Task Manager flag.
    reg.values.set(`${APPROVED}|HoymilesTray`, { type: 'REG_BINARY', data: '030000000000000000000000' });
    await a.enable();
    expect(await a.isEnabled()).toBe(true);
  });

  it('a failing reg.exe rejects with its message', async () => {
    const a = createAutostart({
      platform: 'win32',
      command: { executable: 'C:\\a.exe', args: [] },
      runReg: async () => ({ code: 1, stdout: '', stderr: 'ERROR: Access is denied.\r\n' }),
    });
    await expect(a.enable()).rejects.toThrow(/Access is denied/);
    expect(await a.isEnabled()).toBe(false);
  });

  it('command-line quoting follows the C runtime rules and reads back', () => {
    expect(quoteWindowsArg('plain')).toBe('plain');
    expect(quoteWindowsArg('with space')).toBe('"with space"');
    expect(quoteWindowsArg('')).toBe('""');
    expect(quoteWindowsArg('say "hi"')).toBe('"say \\"hi\\""');
    expect(quoteWindowsArg('C:\\dir with space\\')).toBe('"C:\\dir with space\\\\"');
    expect(quoteWindowsArg('a\\"b c')).toBe('"a\\\\\\"b c"');
    const cmd = { executable: 'C:\\Program Files\\x\\x.exe', args: ['say "hi"', 'C:\\dir with space\\', 'a\\"b c', '', 'plain', 'back\\slash'] };
    expect(parseWindowsCommandLine(windowsCommandLine(cmd))).toEqual(cmd);
  });
});
