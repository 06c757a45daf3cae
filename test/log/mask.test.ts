/** Outside values made fit for a message: bounded, control characters escaped, URL secrets masked. */
import { describe, expect, it } from 'vitest';
import { clip, maskUrl, urlPassword, urlWithoutPassword } from '../../src/log/mask.js';

describe('clip', () => {
  it('clip bounds a value with an ellipsis and escapes line breaks', () => {
    expect(clip('a'.repeat(200))).toHaveLength(80);
    expect(clip('a'.repeat(200)).endsWith('…')).toBe(true);
    expect(clip('x\ny')).toBe('x\\ny');
  });
  it('other control characters become escapes too, so a value cannot fake a log line', () => {
    expect(clip('a\rb\tc\u0007d')).toBe('a\\rb\\tc\\u0007d');
    expect(clip('short', 10)).toBe('short');
  });
});

describe('URLs in messages', () => {
  it.each([
    ['mqtt://user:SECRET@host:1883', 'mqtt://user:***@host:1883'],
    ['ftp://u:SECRET@x', 'ftp://u:***@x'],
    ['u:SECRET@host', 'u:***@host'],
    ['https://h.example/p?k=SECRET&t=1', 'https://h.example/p?k=***&t=***'],
    ['mqtt:/u:SECRET@host', 'mqtt:/u:***@host'],
  ])('maskUrl(%s) = %s', (url, masked) => {
    expect(maskUrl(url)).toBe(masked);
  });
  it('a URL without a password is shown as it is; a password is taken out, decoded', () => {
    expect(urlWithoutPassword('mqtt://broker.lan:1883')).toBe('mqtt://broker.lan:1883');
    expect(urlWithoutPassword('mqtt://ha:p%40ss@broker.lan:1883')).toBe('mqtt://ha@broker.lan:1883');
    expect(urlPassword('mqtt://ha:p%40ss@broker.lan:1883')).toBe('p@ss');
    expect(urlPassword('mqtt://ha@broker.lan')).toBeUndefined();
    expect(urlPassword('not a url')).toBeUndefined();
  });
});
