/**
 * The compose-spec's merge tags: `!reset` clears what earlier files set, `!override` replaces it
 * without the merge rules. The YAML loader turns tagged nodes into these markers; merge consumes
 * them, and `strip` drops those left (a file that is not an override).
 */
export class Reset {}

export class Override {
  constructor(readonly value: unknown) {}
}

export type Dict = Record<string, unknown>;

export function isDict(v: unknown): v is Dict {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Reset) && !(v instanceof Override);
}

/** Applies `fn` to a value, or to the value an `!override` wraps (keeping the wrapper); `!reset` stays. */
export function mapMarked(v: unknown, fn: (v: unknown) => unknown): unknown {
  if (v instanceof Reset) return v;
  if (v instanceof Override) return new Override(fn(v.value));
  return fn(v);
}

/** The model without markers: `!reset` entries removed, `!override` values unwrapped. */
export function strip(v: unknown): unknown {
  if (v instanceof Override) return strip(v.value);
  if (Array.isArray(v)) return v.filter((x) => !(x instanceof Reset)).map(strip);
  if (isDict(v)) {
    const out: Dict = {};
    for (const [k, x] of Object.entries(v)) if (!(x instanceof Reset)) out[k] = strip(x);
    return out;
  }
  return v;
}
