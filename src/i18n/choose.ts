/**
 * Which language to speak. Pure: HOYMILES_TRAY_LANG first, then the setting (unless 'auto'), then the OS's
 * languages in order of preference; the first that has a catalog wins, English when none does.
 */
import { isLanguage, type Language } from './index.js';

export const LANGUAGE_SETTINGS = ['auto', 'en', 'de'] as const;
export type LanguageSetting = (typeof LANGUAGE_SETTINGS)[number];

/** "de_DE.UTF-8", "de-AT", "de", "German_Germany.1252" -> "de"; "C", "POSIX", "" -> undefined. */
export function languageOf(tag: string | undefined): Language | undefined {
  const s = (tag ?? '').trim().toLowerCase();
  if (!s || s === 'c' || s === 'posix' || s.startsWith('c.')) return undefined;
  const code = /^([a-z]{2,3})(?:[-_.@]|$)/.exec(s)?.[1] ?? (s.startsWith('german') ? 'de' : s.startsWith('english') ? 'en' : undefined);
  return code && isLanguage(code) ? code : undefined;
}

export interface LanguageInputs {
  /** HOYMILES_TRAY_LANG. */
  override?: string;
  setting?: string;
  /** The OS's languages, most preferred first (see platform/locale.ts). */
  os: string[];
}

export function chooseLanguage(i: LanguageInputs): Language {
  const forced = languageOf(i.override);
  if (forced) return forced;
  if (i.setting && i.setting !== 'auto') {
    const s = languageOf(i.setting);
    if (s) return s;
  }
  for (const tag of i.os) {
    const l = languageOf(tag);
    if (l) return l;
    // A locale like "C" or "fr_FR" that the app does not speak: English, not the next one in the list
    // (LANGUAGE-style lists aside, the first entry is what the user chose).
    if ((tag ?? '').trim()) return 'en';
  }
  return 'en';
}
