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
import { BUNDLE, ensureBundle } from '../helpers/cli.js';
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
        '};',
      ].join('\n'),
    );
    const out = runInPieces(join(dir, 'bundle.cjs'), parent) as Record<string, unknown>;
    expect(out).toMatchObject({ sibling: 'sibling', helper: 'from node_modules', filename: join(dir, 'bundle.cjs'), dirname: dir });
    expect(await out.path).toBe('function');
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
      writeFileSync(join(dir, name), `process.stdout.write(JSON.stringify({ ran: ${JSON.stringify(name)}, file: __filename, args: process.argv.slice(2) }));`);
    }
    return dir;
  }
  const start = (dir: string, args: string[]) => {
    const r = spawnSync(process.execPath, [join(dir, 'main.cjs'), ...args], { encoding: 'utf8', timeout: 15_000 });
    expect(r.stderr).toBe('');
    return JSON.parse(r.stdout) as { ran: string; file: string; args: string[] };
  };

  it('starts headless.cjs for --headless and --once, hoymiles-tray.cjs for the tray, the demo and the rest', () => {
    const dir = withStandIns();
    const cases: [string[], string][] = [
      [['--headless'], 'headless.cjs'],
      [['--once', '--debug'], 'headless.cjs'],
      [['--debug', '--headless'], 'headless.cjs'],
      [[], 'hoymiles-tray.cjs'],
      [['--demo'], 'hoymiles-tray.cjs'],
      [['--demo', '--headless'], 'hoymiles-tray.cjs'],
      [['--settings'], 'hoymiles-tray.cjs'],
      [['--help'], 'hoymiles-tray.cjs'],
    ];
    for (const [args, bundle] of cases) {
      expect(start(dir, args), args.join(' ')).toEqual({ ran: bundle, file: join(dir, bundle), args });
    }
  });

  it('the real headless.cjs refuses the tray and the demo in plain words, before it touches the config folder', () => {
    ensureBundle();
    const home = temp();
    for (const args of [[], ['--demo'], ['--demo', '--headless']]) {
      const r = spawnSync(process.execPath, [join(BUNDLE, '..', 'headless.cjs'), ...args], {
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
  it('headless.cjs holds no tray, settings page, demo or embedded broker; hoymiles-tray.cjs holds them all', () => {
    ensureBundle();
    // esbuild names each bundled module by its path: `__esm({"src/tray/tray-app.ts"() {…}})`.
    const left = ['"src/tray/', '"src/settings-page/', '"src/demo/', '"node_modules/systray2/', '"node_modules/aedes/'];
    const headless = readFileSync(join(BUNDLE, '..', 'headless.cjs'), 'latin1');
    const full = readFileSync(join(BUNDLE, '..', 'hoymiles-tray.cjs'), 'latin1');
    for (const path of left) {
      expect(headless.includes(path), path).toBe(false);
      expect(full.includes(path), path).toBe(true);
    }
    expect(headless).toContain('"src/app/headless.ts"');
  });
});
