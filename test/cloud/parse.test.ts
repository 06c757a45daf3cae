/** The cloud's numbers and strings: strings of numbers read as numbers, absent values stay absent (never 0). */
import { describe, expect, it } from 'vitest';
import { isObject, num, str } from '../../src/cloud/parse.js';

describe('cloud values', () => {
  it.each([
    ['285', 285],
    [' 10.0 ', 10],
    [-3.5, -3.5],
    ['-', undefined],
    ['', undefined],
    ['null', undefined],
    ['NULL', undefined],
    ['12abc', undefined],
    [Number.NaN, undefined],
    [Number.POSITIVE_INFINITY, undefined],
    [null, undefined],
    [true, undefined],
  ])('num(%j) = %s', (v, n) => {
    expect(num(v)).toBe(n);
  });
  it('str keeps strings, writes finite numbers, drops the rest; isObject is a plain object only', () => {
    expect(str('a')).toBe('a');
    expect(str(7)).toBe('7');
    expect(str(Number.NaN)).toBeUndefined();
    expect(str({})).toBeUndefined();
    expect(isObject({})).toBe(true);
    expect(isObject([])).toBe(false);
    expect(isObject(null)).toBe(false);
  });
});
