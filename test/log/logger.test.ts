/** The logger: levels, scopes, sinks, secrets hidden in every line, and lines bounded whatever comes in. */
import { afterEach, describe, expect, it } from 'vitest';
import { addSecret, boundLine, forgetSecrets, Logger, MAX_LINE_CHARS, memoryLogger, redact } from '../../src/log/logger.js';

afterEach(() => forgetSecrets());

describe('log lines are bounded', () => {
  it('a 1 MB message or error becomes one line of at most MAX_LINE_CHARS, saying how much was cut', () => {
    const { logger, lines } = memoryLogger();
    logger.warn(`Refused ${'9'.repeat(1024 * 1024)}`);
    logger.error('Failed', new Error('x'.repeat(1024 * 1024)));
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(MAX_LINE_CHARS);
    expect(lines[0]).toMatch(/more characters cut\)$/);
  });
  it('prose about a token is not mistaken for one ("Could not save the token: EROFS…")', () => {
    const { logger, lines } = memoryLogger();
    logger.warn('Could not save the token', new Error("EROFS: read-only file system, open '/cfg/secrets.json'"));
    expect(lines[0]).toContain('EROFS: read-only file system');
  });
  it('a short line stays as it is; a long one says exactly how many characters were cut', () => {
    expect(boundLine('short')).toBe('short');
    const long = 'y'.repeat(MAX_LINE_CHARS + 500);
    const cut = boundLine(long);
    expect(cut.length).toBeLessThanOrEqual(MAX_LINE_CHARS);
    expect(cut).toMatch(new RegExp(`… \\(${long.length - (MAX_LINE_CHARS - 40)} more characters cut\\)$`));
  });
});

describe('levels, scopes and sinks', () => {
  it('drops lines below the level; a child shares the level and names its scope', () => {
    const { logger, lines } = memoryLogger('info');
    const child = logger.child('mqtt');
    logger.debug('not shown');
    child.info('connected');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\S+Z INFO  \[mqtt\] connected$/);
    logger.level = 'debug'; // DEBUG=true switched on at run time reaches the children too
    child.debug('details');
    expect(lines[1]).toMatch(/DEBUG \[mqtt\] details$/);
    child.level = 'error';
    logger.warn('hidden now');
    expect(lines).toHaveLength(2);
  });
  it('every sink gets each line with its level; an error detail is appended after a colon', () => {
    const got: [string, string][] = [];
    const logger = new Logger('debug', [(l, lvl) => got.push([lvl, l])]);
    logger.addSink((l, lvl) => got.push([`second ${lvl}`, l]));
    logger.error('Poll failed', new Error('socket hang up'));
    expect(got.map(([lvl]) => lvl)).toEqual(['error', 'second error']);
    expect(got[0]![1]).toMatch(/ERROR Poll failed: socket hang up$/);
  });
});

describe('secrets never reach a line', () => {
  it('a registered secret is hidden in the message and in the error, also inside a longer one', () => {
    const { logger, lines } = memoryLogger();
    addSecret('hunter22');
    addSecret('hunter22-and-more');
    logger.warn('login with hunter22', new Error('rejected hunter22-and-more'));
    expect(lines[0]).not.toContain('hunter22');
    expect(lines[0]).toMatch(/login with \*\*\*: rejected \*\*\*$/);
  });
  it('tokens, URL passwords and password/token fields are hidden even when nobody registered them', () => {
    expect(redact('token 2.abcdefghijklmnopqrstuvwx.1 ok')).toBe('token *** ok');
    expect(redact('mqtt://ha:pw-42@broker:1883')).toBe('mqtt://ha:***@broker:1883');
    expect(redact('{"password":"p1","user":"u"}')).toBe('{"password":"***","user":"u"}');
    expect(redact('GET /x?token=abc&y=1')).toBe('GET /x?token=***&y=1');
  });
  it('values shorter than three characters are not registered (they would blank out ordinary text)', () => {
    addSecret('ab');
    expect(redact('about tabs')).toBe('about tabs');
  });
});
