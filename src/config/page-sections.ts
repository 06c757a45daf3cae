/**
 * The settings page's sections and the anchors the tray links to (`#<anchor>` in the page URL). Each app setting
 * names its section (src/config/app-settings.ts); the page renders them in this order. Here, not in the page, so
 * the tray can link to a section without importing the page. Pure.
 */
import type { MessageKey } from '../i18n/index.js';

export interface PageSection {
  readonly title: MessageKey;
  readonly intro?: MessageKey;
  /** A test button under the fields. */
  readonly test?: { readonly id: 'test-login' | 'test-mqtt'; readonly label: MessageKey };
  /** Folded away until opened. */
  readonly advanced?: boolean;
}

/** The form's sections, top to bottom. */
export const PAGE_SECTIONS = {
  account: { title: 'page.account.title', intro: 'page.account.intro', test: { id: 'test-login', label: 'page.account.test' } },
  mqtt: { title: 'page.mqtt.title', intro: 'page.mqtt.intro', test: { id: 'test-mqtt', label: 'page.mqtt.test' } },
  topics: { title: 'page.topics.title' },
  source: { title: 'page.source.title', intro: 'page.source.intro' },
  polling: { title: 'page.polling.title' },
  notify: { title: 'page.notify.title' },
  tray: { title: 'page.tray.title' },
  publish: { title: 'page.publish.title' },
  language: { title: 'page.language.title' },
  more: { title: 'page.more.title', advanced: true },
} as const satisfies Record<string, PageSection>;

export type SectionId = keyof typeof PAGE_SECTIONS;
export const SECTION_IDS = Object.keys(PAGE_SECTIONS) as SectionId[];

/** The page's other parts with an anchor of their own: the battery control below the form, status and chart above it. */
export type PanelId = 'controls' | 'status' | 'history';

/** The anchor of a section or panel, e.g. `sec-mqtt`, `sec-controls`. */
export const sectionAnchor = (id: SectionId | PanelId): string => `sec-${id}`;

/** The Battery control section. */
export const CONTROLS_ANCHOR = sectionAnchor('controls');

/** A fragment the page may scroll to: letters, digits, `_` and `-` only (it also goes into a shell command on Windows). */
export function isSafeAnchor(field: string): boolean {
  return /^[A-Za-z0-9_-]{1,100}$/.test(field);
}
