/**
 * The kinds of value an app setting holds, and how each is read from text. One reader per kind, used alike for an
 * environment variable and a field of the settings page, so `MQTT_TOPIC=" x "` and the page's " x " mean the same.
 * Pure.
 */

export interface ValueKind<T> {
  /** The JSON-schema type of the stored value in config.json (the value rules live in the setting's check). */
  readonly schema: Readonly<Record<string, unknown>>;
  /** Text (a variable, a form field) to a value; undefined when the text is not of this kind at all. */
  fromText(text: string): T | undefined;
  /** A value of the page's JSON body: one of the kind's own type as it is, anything else read as text. */
  fromJson(v: unknown): T | undefined;
  /** How a start-up message says that a variable's text is not of this kind (`help` = what the variable takes). */
  notOfKind(help: string): string;
  /** The value as the page's input and the README show it. */
  format(v: T): string;
}

const asText = (v: unknown): string => (typeof v === 'string' ? v : String(v ?? ''));

/** Free text, trimmed. */
export const TEXT: ValueKind<string> = {
  schema: { type: 'string' },
  fromText: (text) => text.trim(),
  fromJson: (v) => asText(v).trim(),
  notOfKind: () => 'is not valid',
  format: (v) => v,
};

/** A password: taken exactly as typed (spaces are part of it). */
export const SECRET: ValueKind<string> = {
  schema: { type: 'string' },
  fromText: (text) => text,
  fromJson: (v) => (typeof v === 'string' ? v : ''),
  notOfKind: () => 'is not valid',
  format: () => '',
};

/** A number; an empty text or anything Number() cannot read is not one. Ranges are the setting's check. */
export const NUMBER: ValueKind<number> = {
  schema: { type: 'number' },
  fromText(text) {
    const s = text.trim();
    const n = Number(s);
    return s === '' || !Number.isFinite(n) ? undefined : n;
  },
  fromJson: (v) => (typeof v === 'number' ? v : NUMBER.fromText(asText(v))),
  notOfKind: (help) => `is not a number: expected ${help}`,
  format: (v) => String(v),
};

const TRUE_WORDS = ['1', 'true', 'yes', 'on'];
const FALSE_WORDS = ['0', 'false', 'no', 'off', ''];

/** On or off: true/false, yes/no, on/off, 1/0 in any case; empty is off. */
export const SWITCH: ValueKind<boolean> = {
  schema: { type: 'boolean' },
  fromText(text) {
    const s = text.trim().toLowerCase();
    if (TRUE_WORDS.includes(s)) return true;
    if (FALSE_WORDS.includes(s)) return false;
    return undefined;
  },
  fromJson: (v) => (typeof v === 'boolean' ? v : SWITCH.fromText(asText(v))),
  notOfKind: () => 'is not valid: use true or false',
  format: (v) => String(v),
};

/**
 * Whole numbers separated by commas, semicolons or spaces. An entry that is not plain digits becomes NaN, so the
 * setting's check names the field in its own words.
 */
export const IDS: ValueKind<number[]> = {
  schema: { type: 'array', items: { type: 'integer' } },
  fromText: (text) =>
    text
      .split(/[,;\s]+/)
      .filter(Boolean)
      .map((x) => (/^\d+$/.test(x) ? Number(x) : Number.NaN)),
  fromJson: (v) => (Array.isArray(v) ? v.map(Number) : IDS.fromText(asText(v))),
  notOfKind: () => 'is not valid',
  format: (v) => v.join(', '),
};

/**
 * One word of a fixed list, e.g. cloud/native/both. `normalize` turns what people type into the word (case, a
 * locale tag for a language); a word outside the list is left for the setting's check to refuse in words.
 */
export function choice<const T extends string>(values: readonly T[], normalize: (text: string) => string = (s) => s.toLowerCase()): ValueKind<T> & { values: readonly T[] } {
  const fromText = (text: string) => normalize(text.trim()) as T;
  return {
    values,
    schema: { type: 'string' },
    fromText,
    fromJson: (v) => fromText(asText(v)),
    notOfKind: () => 'is not valid',
    format: (v) => v,
  };
}
