/**
 * One small logger for the whole app. Every line passes through `redact`, so a secret registered with
 * `addSecret` (passwords, tokens) can never reach the console or the log file, whatever the caller formats,
 * and is then bounded to MAX_LINE_CHARS, so junk input cannot flood the log (values quoted in messages are
 * bounded further by `clip` in mask.ts).
 */
import { clip } from './mask.js';

export type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogSink = (line: string, level: Level) => void;

/** Longest log line; the rest is cut (after redaction, so no secret is split and half shown). */
export const MAX_LINE_CHARS = 1000;
/** Longest error detail appended to a line. */
const MAX_DETAIL_CHARS = 400;

const secrets = new Set<string>();
/** Hoymiles tokens look like `2.<opaque>.1`; hide them even if nobody registered them. */
const TOKEN_PATTERN = /\b\d\.[A-Za-z0-9_\-+/=]{16,}\.\d\b/g;

export function addSecret(value: string | undefined | null): void {
  if (value && value.length >= 3) secrets.add(value);
}
export function forgetSecrets(): void {
  secrets.clear();
}

export function redact(text: string): string {
  let out = text;
  // Longest first, so a secret that contains another is hidden whole.
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) out = out.split(s).join('***');
  out = out.replace(TOKEN_PATTERN, '***');
  // URL credentials (mqtt://user:pass@host) and key=value pairs that name a secret.
  out = out.replace(/(\/\/[^/\s:@]+:)[^@\s/]+@/g, '$1***@');
  // JSON ("token":"…") and key=value forms only: prose such as "the token: EROFS…" is not a secret.
  out = out.replace(/("(?:password|passwd|token|authorization|ch)"\s*:\s*")[^"]*/gi, '$1***');
  out = out.replace(/\b((?:password|passwd|token|authorization|ch)=)[^\s&,;"}]+/gi, '$1***');
  return out;
}

/** A line cut to MAX_LINE_CHARS, saying how much was left out. */
export function boundLine(line: string): string {
  if (line.length <= MAX_LINE_CHARS) return line;
  return `${line.slice(0, MAX_LINE_CHARS - 40)}… (${line.length - (MAX_LINE_CHARS - 40)} more characters cut)`;
}

export class Logger {
  private sinks: LogSink[];
  constructor(
    public level: Level = 'info',
    sinks?: LogSink[],
    private readonly scope = '',
  ) {
    this.sinks = sinks ?? [(line, lvl) => (lvl === 'error' || lvl === 'warn' ? process.stderr : process.stdout).write(line + '\n')];
  }
  child(scope: string): Logger {
    const c = new Logger(this.level, this.sinks, scope);
    // Children share level changes through the parent object.
    Object.defineProperty(c, 'level', { get: () => this.level, set: (v: Level) => (this.level = v) });
    return c;
  }
  addSink(sink: LogSink): void {
    this.sinks.push(sink);
  }
  enabled(level: Level): boolean {
    return ORDER[level] >= ORDER[this.level];
  }
  log(level: Level, msg: string, err?: unknown): void {
    if (!this.enabled(level)) return;
    const detail = err === undefined ? '' : `: ${clip(redact(err instanceof Error ? err.message : String(err)), MAX_DETAIL_CHARS)}`;
    const line = boundLine(redact(`${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${this.scope ? `[${this.scope}] ` : ''}${msg}${detail}`));
    for (const s of this.sinks) s(line, level);
  }
  debug(msg: string, err?: unknown): void {
    this.log('debug', msg, err);
  }
  info(msg: string, err?: unknown): void {
    this.log('info', msg, err);
  }
  warn(msg: string, err?: unknown): void {
    this.log('warn', msg, err);
  }
  error(msg: string, err?: unknown): void {
    this.log('error', msg, err);
  }
}

/** A logger that keeps lines in memory: for tests and for the tray's "last problem" line. */
export function memoryLogger(level: Level = 'debug'): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { logger: new Logger(level, [(l) => lines.push(l)]), lines };
}
