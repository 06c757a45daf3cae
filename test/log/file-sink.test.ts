import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFileSink, openWithOsViewer } from '../../src/log/file-sink.js';
import { addSecret, forgetSecrets, Logger, memoryLogger } from '../../src/log/logger.js';

let base: string;
beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'log-file-'));
});
afterEach(() => {
  forgetSecrets();
  rmSync(base, { recursive: true, force: true });
});

describe('log file sink', () => {
  it('creates the folder (0700) and the file (0600), one line per event', () => {
    const dir = join(base, 'a', 'b');
    const f = createFileSink({ dir });
    expect(f.path).toBe(join(dir, 'hoymiles-tray.log'));
    f.sink('first');
    f.sink('second\nwith a stack\r\nline');
    f.close();
    f.sink('after close is ignored');
    expect(readFileSync(f.path, 'utf8')).toBe('first\nsecond | with a stack | line\n');
    expect(statSync(f.path).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('tightens an existing file to 0600 and appends to it', () => {
    const path = join(base, 'hoymiles-tray.log');
    writeFileSync(path, 'old\n');
    chmodSync(path, 0o644);
    const f = createFileSink({ dir: base });
    f.sink('new');
    f.close();
    expect(readFileSync(path, 'utf8')).toBe('old\nnew\n');
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('rotates by size and keeps exactly `keep` generations', () => {
    const f = createFileSink({ dir: base, file: 'x.log', maxBytes: 20, keep: 2 });
    // Each line is 10 bytes with its newline: two fit in 20 bytes.
    for (let i = 0; i < 9; i++) f.sink(`line ${i}...`);
    f.close();
    expect(readdirSync(base).sort()).toEqual(['x.log', 'x.log.1', 'x.log.2']);
    expect(readFileSync(join(base, 'x.log'), 'utf8')).toBe('line 8...\n');
    expect(readFileSync(join(base, 'x.log.1'), 'utf8')).toBe('line 6...\nline 7...\n');
    expect(readFileSync(join(base, 'x.log.2'), 'utf8')).toBe('line 4...\nline 5...\n');
    for (const name of readdirSync(base)) expect(statSync(join(base, name)).mode & 0o777).toBe(0o600);
  });

  it('defaults: 1 MiB, three generations', () => {
    const f = createFileSink({ dir: base });
    const line = 'x'.repeat(1023); // 1 KiB with the newline
    for (let i = 0; i < 1024 * 5; i++) f.sink(line);
    f.close();
    expect(readdirSync(base).sort()).toEqual(['hoymiles-tray.log', 'hoymiles-tray.log.1', 'hoymiles-tray.log.2', 'hoymiles-tray.log.3']);
    for (const n of ['hoymiles-tray.log.1', 'hoymiles-tray.log.2', 'hoymiles-tray.log.3']) expect(statSync(join(base, n)).size).toBe(1024 * 1024);
  });

  it('rotates a file that is already too big when the app starts', () => {
    writeFileSync(join(base, 'x.log'), 'y'.repeat(100));
    const f = createFileSink({ dir: base, file: 'x.log', maxBytes: 50, keep: 1 });
    f.sink('fresh');
    f.close();
    expect(readFileSync(join(base, 'x.log'), 'utf8')).toBe('fresh\n');
    expect(statSync(join(base, 'x.log.1')).size).toBe(100);
  });

  it('never throws when the folder disappears, and recovers', () => {
    const dir = join(base, 'gone');
    const f = createFileSink({ dir, file: 'x.log', maxBytes: 10, keep: 1 });
    f.sink('one');
    rmSync(dir, { recursive: true });
    expect(() => f.sink('two, rotation fails')).not.toThrow();
    f.sink('three');
    f.close();
    expect(existsSync(join(dir, 'x.log'))).toBe(true);
  });

  it('a password and a token never reach the file, in any form', () => {
    const password = 'S3cr3t-P@ss!word';
    const token = '2.AbCdEf0123456789xyzXYZ.1';
    const f = createFileSink({ dir: base });
    const logger = new Logger('debug', []);
    logger.addSink(f.sink);
    addSecret(password);
    const log = logger.child('test');
    log.info(`login with ${password}`);
    log.info(`body ${JSON.stringify({ user: 'jane@example.com', password })}`);
    log.info(`got token ${token} for the station`);
    log.info(`body ${JSON.stringify({ data: { token } })}`);
    log.warn('broker mqtt://jane:' + 'pw-not-registered@broker.local:1883 refused');
    log.warn(`broker mqtt://jane:${encodeURIComponent(password)}@h refused`);
    log.error('request failed', new Error(`401 for Authorization: ${token}`));
    log.debug(`headers {"authorization":"Bearer ${token}"} password=${password}`);
    f.close();
    const text = readFileSync(f.path, 'utf8');
    expect(text.split('\n').filter(Boolean)).toHaveLength(8);
    expect(text).toContain('login with ***');
    expect(text).toContain('mqtt://jane:***@');
    for (const secret of [password, encodeURIComponent(password), token, 'pw-not-registered', 'AbCdEf0123456789']) expect(text).not.toContain(secret);
  });
});

describe('openWithOsViewer', () => {
  it('never throws, and logs why it could not open', () => {
    const { logger, lines } = memoryLogger();
    expect(() => openWithOsViewer('relative/file.log', logger)).not.toThrow();
    expect(() => openWithOsViewer(join(base, 'missing.log'), logger)).not.toThrow();
    expect(lines.filter((l) => l.includes('Could not open the log file'))).toHaveLength(2);
  });
});
