/**
 * npm run bench: the headless bundle in its own processes against fake clouds on 127.0.0.1 and a real
 * Mosquitto (aedes where it is missing). Every figure is printed with its aim and whether it is met. The
 * machine may be busy: ratios to the floor measured in the same window are what counts.
 *   BENCH_QUICK=1         shorter windows (rough figures, for trying changes out)
 *   BENCH_ONLY=steady,…   only the sections whose name contains one of these words
 */
import { startBroker } from '../../test/helpers/broker.js';
import type { BenchContext, Row, Section } from './lib.js';
import { SECTIONS } from './sections.js';

async function main(): Promise<void> {
  const broker = await startBroker();
  const ctx: BenchContext = { brokerUrl: broker.url, brokerKind: broker.kind, quick: process.env.BENCH_QUICK === '1' };
  const only = process.env.BENCH_ONLY?.split(',').map((w) => w.trim().toLowerCase()).filter(Boolean);
  const sections = SECTIONS.filter((s) => !only || only.some((w) => s.name.toLowerCase().includes(w)));
  const started = Date.now();
  const results = new Map<Section, Promise<Row[]>>();
  const guarded = (s: Section) =>
    s.run(ctx).catch((e: Error): Row[] => [{ figure: s.name, value: `failed: ${e.message.split('\n')[0]}`, met: false }]);
  try {
    for (const s of sections.filter((x) => x.background)) results.set(s, guarded(s));
    for (const s of sections.filter((x) => !x.background)) {
      process.stderr.write(`bench: ${s.name}…\n`);
      results.set(s, guarded(s));
      await results.get(s);
    }
    if (sections.some((s) => s.background)) process.stderr.write('bench: waiting for the background sections…\n');
    const rows: [string, Row[]][] = [];
    for (const s of sections) rows.push([s.name, await results.get(s)!]);
    print(rows, broker.kind, Math.round((Date.now() - started) / 1000));
    if (rows.some(([, r]) => r.some((x) => x.value.startsWith('failed:')))) process.exitCode = 1;
  } finally {
    await broker.stop();
  }
}

function print(sections: [string, Row[]][], brokerKind: string, seconds: number): void {
  const all = sections.flatMap(([, r]) => r);
  const w = Math.max(...all.map((r) => r.figure.length));
  const out: string[] = [`\nhoymiles-tray benchmark (Node ${process.version}, ${brokerKind}, ${seconds} s)`];
  for (const [name, rows] of sections) {
    out.push('', name);
    for (const r of rows) {
      const verdict = r.aim ? `   [aim ${r.aim}: ${r.met === undefined ? 'n/a' : r.met ? 'met' : 'NOT met'}]` : '';
      out.push(`  ${r.figure.padEnd(w)}  ${r.value}${verdict}`);
    }
  }
  const aims = all.filter((r) => r.aim);
  out.push('', ...summaryTable(sections), '', `Aims met: ${aims.filter((r) => r.met).length} of ${aims.length}`);
  console.log(out.join('\n'));
}

/** The figures that have an aim, one line each: figure, result, aim, met / NOT met. */
function summaryTable(sections: [string, Row[]][]): string[] {
  const rows: string[][] = [['Figure', 'Result', 'Aim', 'Met']];
  for (const [name, list] of sections) {
    let parent = name;
    for (const r of list) {
      if (!r.figure.startsWith(' ')) parent = r.figure;
      if (!r.aim) continue;
      const figure = r.figure.startsWith(' ') ? `${parent}: ${r.figure.trim()}` : r.figure;
      const result = r.result ?? (r.value.length > 60 ? `${r.value.slice(0, 57)}…` : r.value);
      rows.push([figure, result, r.aim, r.met === undefined ? 'n/a' : r.met ? 'met' : 'NOT met']);
    }
  }
  const w = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(w[i]!)).join(' | ').trimEnd();
  return ['Summary', line(rows[0]!), w.map((n) => '-'.repeat(n)).join('-|-'), ...rows.slice(1).map(line)];
}

main().then(
  () => process.exit(),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
