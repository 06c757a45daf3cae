/**
 * Which of V8's compilers a long-running hoymiles-tray process uses.
 *
 * The app wakes once a second or less and does a millisecond of work each time, for months. V8's optimising
 * compilers do not pay for themselves at that pace: TurboFan (and Maglev on Node 22+) compile the few warm
 * functions on helper threads, again after each deoptimisation, and undici's WebAssembly HTTP parser is
 * recompiled by TurboFan once it has parsed enough answers. Each helper thread gets its own glibc malloc arena
 * for the compiler's memory and keeps most of it: 2 MB per thread for JavaScript, about 10 MB when the parser is
 * recompiled (the reason identical processes used to land 9 MB apart). Measured side by side with `npm run bench`
 * (one station, 1 s): less CPU per cycle and no arena left behind (README, "Benchmark").
 *
 * So the tray, headless and demo modes keep JavaScript in the interpreter and Sparkplug (V8's baseline compiler)
 * and WebAssembly in Liftoff. The flags are set at start-up, before any code is warm, through the same switch
 * V8 offers on its command line. The Argon2 child keeps every compiler: its hash is one hot loop that does pay
 * back. `HOYMILES_TRAY_V8_JIT=1` keeps V8's defaults (for comparison, or if a future Node misbehaves).
 */
import { setFlagsFromString } from 'node:v8';

export const BASELINE_TIER_FLAGS = ['--no-turbofan', '--no-maglev', '--liftoff-only'] as const;
export const KEEP_JIT_ENV = 'HOYMILES_TRAY_V8_JIT';

/** Sets the flags unless the environment asks for V8's defaults; returns the flags set. */
export function useBaselineTiers(env: NodeJS.ProcessEnv = process.env): readonly string[] {
  if (env[KEEP_JIT_ENV] === '1') return [];
  for (const flag of BASELINE_TIER_FLAGS) setFlagsFromString(flag);
  return BASELINE_TIER_FLAGS;
}
