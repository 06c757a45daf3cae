/**
 * Start-up of the headless bridge: from spawning `node dist/app/main.cjs --headless` to its first battery state
 * on the broker (and to `bridge/state online`), after a restart with a stored token (median of a few starts)
 * and with a fresh login.
 */
import { watch } from '../../test/helpers/broker.js';
import { fmt, median, startApp, until, type BenchContext, type Row, type Section } from './lib.js';

const FIRST_STATE_AIM_MS = 1_000; // the project's own aim: the issue asks for the figure, not a bound

export const startupSection: Section = { name: 'Start-up (headless)', run };

async function firstPublish(ctx: BenchContext, name: string, storedToken: boolean): Promise<{ online: number; state: number }> {
  const watcher = await watch(ctx.brokerUrl, `bench-${name}/#`);
  const app = await startApp(name, { brokerUrl: ctx.brokerUrl, intervalS: 15, storedToken });
  try {
    const t0 = app.proc.startedAt;
    await until(() => watcher.messages.some((m) => /\/\d+\/state$/.test(m.topic)), 30_000, `first state of ${name}`, 5);
    const at = (re: RegExp) => (watcher.messages.find((m) => re.test(m.topic))?.at ?? NaN) - t0;
    return { online: at(/\/bridge\/state$/), state: at(/\/\d+\/state$/) };
  } finally {
    await app.cleanup();
    await watcher.close();
  }
}

async function run(ctx: BenchContext): Promise<Row[]> {
  const runs: { online: number; state: number }[] = [];
  for (let i = 0; i < (ctx.quick ? 1 : 3); i++) runs.push(await firstPublish(ctx, `start${i}`, true));
  const login = await firstPublish(ctx, 'start-login', false);
  const state = median(runs.map((r) => r.state));
  return [
    {
      figure: 'Start-up to the first state (stored token)',
      value: `${fmt(state, 0)} ms (bridge online after ${fmt(median(runs.map((r) => r.online)), 0)} ms; median of ${runs.length})`,
      aim: `≤ ${FIRST_STATE_AIM_MS} ms`,
      met: state <= FIRST_STATE_AIM_MS,
      result: `${fmt(state, 0)} ms`,
    },
    { figure: '  same, with a fresh login (Argon2id)', value: `${fmt(login.state, 0)} ms (bridge online after ${fmt(login.online, 0)} ms)` },
  ];
}
