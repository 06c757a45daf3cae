/**
 * dist/app/main.cjs, the file every user starts: it reads an app bundle in pieces (load-in-pieces.ts) and picks
 * headless.cjs for --headless and --once, hoymiles-tray.cjs for everything else.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readInPieces, runInPieces } from '../../src/app/load-in-pieces.js';
import { ARGON2_CHILD_FLAG } from '../../src/cloud/argon2-process.js';
import { argon2Challenge } from '../../src/cloud/auth.js';
import { BUNDLE, ensureBundle, HEADLESS_BUNDLE, TRAY_BUNDLE } from '../helpers/cli.js';
import { useTempDirs } from '../helpers/temp.js';

const tempDir = useTempDirs();
const temp = () => tempDir('loader-');

describe('readInPieces', () => {
  it('gives the same text as a whole-file read, with characters cut between pieces joined', () => {
    const file = join(temp(), 'text.js');
    // 2-, 3- and 4-byte UTF-8 characters, so a 7-byte piece cuts through many of them.
    const text = `// Ladezustand ÄÖÜ ß € 🔋\n${'const x = "Grüße aus Köln 🔋";\n'.repeat(500)}`;
    writeFileSync(file, text);
    for (const size of [1, 7, 64, 64 * 1024]) expect(readInPieces(file, size)).toBe(readFileSync(file, 'utf8'));
    expect(readInPieces(file, 7)).toBe(text);
  });

  it('reads an empty file as an empty text and a missing one as an error that names it', () => {
    const dir = temp();
    writeFileSync(join(dir, 'empty.js'), '');
    expect(readInPieces(join(dir, 'empty.js'))).toBe('');
    expect(() => readInPieces(join(dir, 'missing.js'))).toThrow(/ENOENT.*missing\.js/);
  });
});

describe('runInPieces', () => {
  // What main.cjs passes: its own CommonJS module (vitest's `module` is not one).
  const parent = new Module('main.cjs');

  it('runs a CommonJS file as require would: its own require, module, __filename, __dirname, import()', async () => {
    const dir = temp();
    mkdirSync(join(dir, 'node_modules/helper'), { recursive: true });
    writeFileSync(join(dir, 'node_modules/helper/index.js'), 'module.exports = "from node_modules";');
    mkdirSync(join(dir, 'node_modules/addon'));
    writeFileSync(join(dir, 'node_modules/addon/index.js'), 'exports.kind = "imported";'); // as the keyring is
    writeFileSync(join(dir, 'sibling.js'), 'exports.name = "sibling";');
    writeFileSync(
      join(dir, 'bundle.cjs'),
      [
        '#!/usr/bin/env node',
        'module.exports = {',
        '  sibling: require("./sibling.js").name,',
        '  helper: require("helper"),',
        '  filename: __filename,',
        '  dirname: __dirname,',
        '  path: import("node:path").then((m) => typeof m.join),',
        '  addon: import("addon").then((m) => m.kind),',
        '};',
      ].join('\n'),
    );
    const out = runInPieces(join(dir, 'bundle.cjs'), parent) as Record<string, unknown>;
    expect(out).toMatchObject({ sibling: 'sibling', helper: 'from node_modules', filename: join(dir, 'bundle.cjs'), dirname: dir });
    expect(await out.path).toBe('function');
    expect(await out.addon).toBe('imported');
  });

  it('throws what the file throws, with the file in the stack', () => {
    const file = join(temp(), 'broken.cjs');
    writeFileSync(file, 'function start() { throw new Error("broken on purpose"); }\nstart();\n');
    let error: Error | undefined;
    try {
      runInPieces(file, parent);
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).toBe('broken on purpose');
    expect(error?.stack).toContain(`${file}:1`);
  });
});

describe('dist/app/main.cjs', () => {
  /** The real main.cjs beside two stand-in bundles that say which one ran and with what. */
  function withStandIns(): string {
    ensureBundle();
    const dir = temp();
    copyFileSync(BUNDLE, join(dir, 'main.cjs'));
    for (const name of ['headless.cjs', 'hoymiles-tray.cjs']) {
      // A file run by require() would be in require.cache; one read in pieces is not.
      const report = `{ ran: ${JSON.stringify(name)}, file: __filename, args: process.argv.slice(2), inPieces: !require.cache[__filename] }`;
      writeFileSync(join(dir, name), `process.stdout.write(JSON.stringify(${report}));`);
    }
    return dir;
  }
  const start = (dir: string, args: string[]) => {
    const r = spawnSync(process.execPath, [join(dir, 'main.cjs'), ...args], { encoding: 'utf8', timeout: 15_000 });
    expect(r.stderr).toBe('');
    return JSON.parse(r.stdout) as { ran: string; file: string; args: string[]; inPieces: boolean };
  };

  it('starts headless.cjs for --headless, --once and the Argon2 child, hoymiles-tray.cjs for the tray, the demo and the rest', () => {
    const dir = withStandIns();
    const cases: [string[], string][] = [
      [['--headless'], 'headless.cjs'],
      [['--once', '--debug'], 'headless.cjs'],
      [['--debug', '--headless'], 'headless.cjs'],
      [[ARGON2_CHILD_FLAG], 'headless.cjs'],
      [[], 'hoymiles-tray.cjs'],
      [['--demo'], 'hoymiles-tray.cjs'],
      [['--demo', '--headless'], 'hoymiles-tray.cjs'],
      [['--once', '--demo'], 'hoymiles-tray.cjs'],
      [['--settings'], 'hoymiles-tray.cjs'],
      [['--help'], 'hoymiles-tray.cjs'],
    ];
    for (const [args, bundle] of cases) {
      expect(start(dir, args), args.join(' ')).toEqual({ ran: bundle, file: join(dir, bundle), args, inPieces: true });
    }
  });

  it('the real headless.cjs refuses the tray and the demo in plain words, before it touches the config folder', () => {
    ensureBundle();
    const home = temp();
    for (const args of [[], ['--demo'], ['--demo', '--headless']]) {
      const r = spawnSync(process.execPath, [HEADLESS_BUNDLE, ...args], {
        encoding: 'utf8',
        timeout: 15_000,
        env: { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: join(home, '.config') },
      });
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toBe('headless.cjs holds only --headless and --once: start dist/app/main.cjs for the tray or the demo.\n');
    }
    expect(readdirSync(home)).toEqual([]);
  });
});

describe('the two bundles', () => {
  /** Every source file esbuild put in a bundle, from its source map. */
  const sources = (bundle: string) => (JSON.parse(readFileSync(`${bundle}.map`, 'utf8')) as { sources: string[] }).sources.map((f) => f.replace(/^(\.\.\/)+/, ''));

  it('headless.cjs holds no tray, settings page, demo, notifications or embedded broker; hoymiles-tray.cjs holds them all', () => {
    ensureBundle();
    const left = ['src/tray/', 'src/settings-page/', 'src/demo/', 'src/notify/', 'node_modules/systray2/', 'node_modules/aedes/'];
    const headless = sources(HEADLESS_BUNDLE);
    const full = sources(TRAY_BUNDLE);
    for (const folder of left) {
      expect(headless.filter((f) => f.startsWith(folder)), folder).toEqual([]);
      expect(full.some((f) => f.startsWith(folder)), folder).toBe(true);
    }
    for (const needed of ['src/app/headless.ts', 'src/cloud/argon2-process.ts', 'src/platform/locale.ts']) expect(headless).toContain(needed);
  });

  it('the headless bundle runs its own Argon2 child, as a headless login does (bridge.ts: argon2InChildProcess(__filename))', async () => {
    ensureBundle();
    // The child reads {password, salt} as JSON and answers the hash in hex (src/cloud/argon2-process.ts).
    const [password, salt] = ['secret-for-test', '00112233445566778899aabbccddeeff'];
    const r = spawnSync(process.execPath, [HEADLESS_BUNDLE, ARGON2_CHILD_FLAG], { input: JSON.stringify({ password, salt }), encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(await argon2Challenge(password, salt));
  });
});
