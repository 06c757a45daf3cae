/**
 * The `main` of the single executable (scripts/package.mjs bundles it to CommonJS): unpack the embedded app to
 * the per-version cache folder and run it from there.
 */
import { reportLauncherFailure, runFromSea } from '../platform/sea.js';

try {
  runFromSea();
} catch (e) {
  reportLauncherFailure(e);
  process.exit(1);
}
