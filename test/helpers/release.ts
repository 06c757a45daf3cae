/**
 * Tests of what `npm run package` puts in release/ (the single executables and the official Node binaries it
 * starts from). Without a request those tests skip and print why; when the run asked for them (CI: `.ci/run`
 * builds the executables first and exports HOYMILES_TRAY_REQUIRE_RELEASE) a missing file fails the test instead.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';
import { CI_TARGETS, TARGETS } from '../../scripts/sea/targets.mjs';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const RELEASE = join(ROOT, 'release');

export type ReleaseTarget = keyof typeof TARGETS;
/** The targets of scripts/package.mjs (scripts/sea/targets.mjs) and their files in release/. */
export const RELEASE_FILES = Object.fromEntries(Object.entries(TARGETS).map(([k, t]) => [k, t.out])) as Record<ReleaseTarget, string>;
// CI_TARGETS: what `.ci/run` builds, and so what HOYMILES_TRAY_REQUIRE_RELEASE=1 (or CI=true alone) asks for.
const YES = /^(1|true|yes)$/i;

/**
 * The targets this run must find in release/: HOYMILES_TRAY_REQUIRE_RELEASE as a comma-separated list of
 * targets, or 1/true for the ones CI builds; unset, CI=true asks for those too. `0` asks for none.
 */
export function requiredTargets(env: NodeJS.ProcessEnv = process.env): Set<ReleaseTarget> {
  const v = env.HOYMILES_TRAY_REQUIRE_RELEASE?.trim();
  if (v === undefined || v === '') return new Set(YES.test(env.CI ?? '') ? CI_TARGETS : []);
  if (YES.test(v)) return new Set(CI_TARGETS);
  if (/^(0|false|no)$/i.test(v)) return new Set();
  const list = v.split(',').map((t) => t.trim()).filter(Boolean);
  const unknown = list.filter((t) => !(t in RELEASE_FILES));
  if (unknown.length) throw new Error(`HOYMILES_TRAY_REQUIRE_RELEASE names unknown target(s) ${unknown.join(', ')} (known: ${Object.keys(RELEASE_FILES).join(', ')})`);
  return new Set(list as ReleaseTarget[]);
}

/** Where `npm run package` puts the executable of a target. */
export function releaseFile(target: ReleaseTarget): string {
  return join(RELEASE, RELEASE_FILES[target]);
}

/**
 * A describe block that needs something this machine may lack. `missing` says what is missing (undefined:
 * nothing, the block runs). Then, if `required`, the block is one failing test naming it; else one skipped
 * test naming it, and the reason is printed.
 */
export function describeNeeding(title: string, missing: string | undefined, required: boolean, body: () => void, why = 'this run asked for it'): void {
  if (missing === undefined) {
    describe(title, body);
    return;
  }
  if (required) {
    describe(title, () => {
      it(`has what it needs (${why})`, () => {
        throw new Error(`${title}: ${missing}, but ${why}.`);
      });
    });
    return;
  }
  console.warn(`${title}: skipped, ${missing}`);
  describe(title, () => {
    it.skip(`skipped: ${missing}`, () => undefined);
  });
}

/** The reason a required target is required, for the failure message. */
export function requiredBecause(target: ReleaseTarget): string {
  return process.env.HOYMILES_TRAY_REQUIRE_RELEASE
    ? `HOYMILES_TRAY_REQUIRE_RELEASE=${process.env.HOYMILES_TRAY_REQUIRE_RELEASE} asks for ${target} (run npm run package -- --target ${target} first)`
    : `CI=true asks for ${target} (run npm run package -- --target ${target} first)`;
}

/** The per-test form of describeNeeding, for single tests inside a larger block. */
export function testNeeding(name: string, missing: string | undefined, required: boolean, fn: () => void | Promise<void>, why = 'this run asked for it'): void {
  if (missing === undefined) {
    it(name, fn);
  } else if (required) {
    it(name, () => {
      throw new Error(`${name}: ${missing}, but ${why}.`);
    });
  } else {
    console.warn(`${name}: skipped, ${missing}`);
    it.skip(`${name} (skipped: ${missing})`, () => undefined);
  }
}

export const fileMissing = (file: string): string | undefined => (existsSync(file) ? undefined : `${file} is missing`);
