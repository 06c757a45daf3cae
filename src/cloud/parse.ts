/**
 * The cloud sends most numbers as strings ("285", "10.0") and "-" or "" for absent values.
 * A missing value stays `undefined`: it must never turn into 0 (that would be a fake reading).
 */
export function num(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const s = value.trim();
  if (s === '' || s === '-' || s.toLowerCase() === 'null') return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
}

export function str(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
