/**
 * The two app bundles (scripts/build.mjs builds both from cli.ts) and which one a command line needs: main.ts
 * starts it, and cli.ts, built as headless.cjs, refuses what that bundle does not hold. Imports nothing, so
 * main.cjs stays a few lines.
 */
/** The app without the tray and the demo (and so without the settings page, systray2 and the embedded broker). */
export const HEADLESS_BUNDLE = 'headless.cjs';
/** Everything. */
export const TRAY_BUNDLE = 'hoymiles-tray.cjs';

/**
 * '--argon2-child' is ARGON2_CHILD_FLAG (src/cloud/argon2-process.ts, whose import would bring the Argon2 code
 * along; test/app/main-loader.test.ts checks they agree): a single executable starts its child through main.cjs.
 */
const HEADLESS_FLAGS = ['--headless', '--once', '--argon2-child'];

export function bundleFor(args: readonly string[]): string {
  return !args.includes('--demo') && HEADLESS_FLAGS.some((flag) => args.includes(flag)) ? HEADLESS_BUNDLE : TRAY_BUNDLE;
}
