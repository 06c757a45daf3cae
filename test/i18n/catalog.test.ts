/**
 * The catalogs against each other and against the code: every language has every key (the type checker says so
 * too, this test says it for catalogs typed loosely), and every key is still used somewhere in src/ outside the
 * catalogs (as a quoted string: t('menu.quit'), a table of keys, or the settings page's T('page.…')).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CATALOGS } from '../../src/i18n/index.js';

const SRC = join(import.meta.dirname, '..', '..', 'src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('message catalogs', () => {
  const keys = Object.keys(CATALOGS.en);

  it('every language has exactly the English keys, none empty', () => {
    for (const [lang, cat] of Object.entries(CATALOGS)) {
      const have = Object.keys(cat);
      expect(keys.filter((k) => !have.includes(k)), `missing in ${lang}`).toEqual([]);
      expect(have.filter((k) => !keys.includes(k)), `unknown in ${lang}`).toEqual([]);
      expect(have.filter((k) => !(cat as Record<string, string>)[k]!.trim()), `empty in ${lang}`).toEqual([]);
    }
  });

  it('every key is used by the code', () => {
    const code = files(SRC)
      .filter((f) => !relative(SRC, f).startsWith('i18n'))
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    expect(keys.length).toBeGreaterThan(50);
    const unused = keys.filter((k) => !code.includes(`'${k}'`) && !code.includes(`"${k}"`));
    expect(unused).toEqual([]);
  });
});
