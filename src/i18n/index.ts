/**
 * Messages and number formats in the user's language. One current language per process (set once at start and
 * when the settings change), English by default; `t(key, params)` looks a text up and fills in `{name}`s.
 * A third language is one catalog file and one line in CATALOGS.
 */
import { de } from './de.js';
import { en, type Catalog, type MessageKey } from './en.js';

export type { Catalog, MessageKey } from './en.js';

export const CATALOGS = { en, de } satisfies Record<string, Catalog>;
export type Language = keyof typeof CATALOGS;
/** The Intl locale of each language (numbers, dates). */
const LOCALES: Record<Language, string> = { en: 'en-GB', de: 'de-DE' };

let current: Language = 'en';

export function setLanguage(lang: Language): void {
  current = lang;
}
export function language(): Language {
  return current;
}
export const isLanguage = (s: string): s is Language => Object.prototype.hasOwnProperty.call(CATALOGS, s);

export type Params = Record<string, string | number>;

/** The text of `key` in the current language (or `lang`), with `{name}` replaced by params.name. */
export function t(key: MessageKey, params?: Params, lang: Language = current): string {
  const text: string = CATALOGS[lang][key] ?? en[key];
  return params ? text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m)) : text;
}

/** The whole catalog of a language (for the settings page's script). */
export function catalog(lang: Language = current): Catalog {
  return CATALOGS[lang];
}

const numberFormats = new Map<string, Intl.NumberFormat>();
/** A number with exactly `digits` decimals in the language's convention: "1.2" / "1,2". No grouping. */
export function formatNumber(n: number, digits = 0, lang: Language = current): string {
  const id = `${lang}:${digits}`;
  let f = numberFormats.get(id);
  if (!f) {
    f = new Intl.NumberFormat(LOCALES[lang], { minimumFractionDigits: digits, maximumFractionDigits: digits, useGrouping: false });
    numberFormats.set(id, f);
  }
  return f.format(n);
}

function timeFormat(lang: Language, seconds: boolean): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat(LOCALES[lang], { hour: '2-digit', minute: '2-digit', ...(seconds ? { second: '2-digit' } : {}), hourCycle: 'h23' });
}
/** Local 24-hour time: "08:03:12" (or "08:03" without seconds), in both languages. */
export function formatTime(ms: number, seconds = true, lang: Language = current): string {
  return timeFormat(lang, seconds).format(new Date(ms));
}
/** A local date: "2026-12-01" (English, as in the log), "01.12.2026" (German). */
export function formatDate(ms: number, lang: Language = current): string {
  const d = new Date(ms);
  if (lang === 'en') return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  return new Intl.DateTimeFormat(LOCALES[lang], { day: '2-digit', month: '2-digit', year: 'numeric' }).format(d);
}
