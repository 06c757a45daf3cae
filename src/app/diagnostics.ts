/**
 * For the benchmark (HOYMILES_TRAY_DIAGNOSTICS=1): SIGUSR2 prints one JSON line `diagnostics: {...}` with the
 * process's own CPU time (process.cpuUsage(): user + system, all threads), memory and the caller's counters.
 * CPU is read first, before the optional GC (only with --expose-gc), so a forced GC never counts as work.
 */
import { getHeapSpaceStatistics } from 'node:v8';

export function enableDiagnostics(counters: () => Record<string, number>, write = (line: string) => process.stdout.write(line)): void {
  process.on('SIGUSR2', () => {
    const cpu = process.cpuUsage();
    const rssBefore = process.memoryUsage.rss();
    (globalThis as { gc?: () => void }).gc?.();
    const m = process.memoryUsage();
    const spaces = Object.fromEntries(getHeapSpaceStatistics().map((x) => [x.space_name, Math.round(x.space_size / 1024)]));
    const line = {
      cpuUserUs: cpu.user,
      cpuSystemUs: cpu.system,
      rssBefore,
      rss: m.rss,
      heapTotal: m.heapTotal,
      heapUsed: m.heapUsed,
      external: m.external,
      arrayBuffers: m.arrayBuffers,
      spacesKb: spaces,
      ...counters(),
    };
    write(`diagnostics: ${JSON.stringify(line)}\n`);
  });
}
