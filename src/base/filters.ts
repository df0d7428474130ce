import { invalidArgument } from './errors.js';

/**
 * Docker's filter arguments (`{"label":{"a=b":true}}` or the older `{"label":["a=b"]}`),
 * parsed once by the API and handed to services as key → values.
 */
export class FilterArgs {
  private readonly args: Map<string, string[]>;

  constructor(entries: Iterable<[string, string[]]> = []) {
    this.args = new Map(entries);
  }

  static parse(json: string | undefined | null): FilterArgs {
    if (!json) return new FilterArgs();
    let doc: unknown;
    try {
      doc = JSON.parse(json);
    } catch (err) {
      throw invalidArgument(`invalid filter: ${(err as Error).message}`, err);
    }
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw invalidArgument('invalid filter: expected a JSON object');
    const out = new FilterArgs();
    for (const [key, value] of Object.entries(doc as Record<string, unknown>)) {
      if (Array.isArray(value)) out.args.set(key, value.map(String));
      else if (value && typeof value === 'object') {
        out.args.set(
          key,
          Object.entries(value as Record<string, unknown>)
            .filter(([, on]) => on === true)
            .map(([v]) => v),
        );
      } else throw invalidArgument(`invalid filter: values of "${key}" must be a list or a map`);
    }
    return out;
  }

  get(key: string): string[] {
    return this.args.get(key) ?? [];
  }

  has(key: string): boolean {
    return (this.args.get(key)?.length ?? 0) > 0;
  }

  keys(): string[] {
    return [...this.args.keys()];
  }

  /** Refuses keys the endpoint does not know, with Docker's message. */
  validate(allowed: readonly string[]): void {
    for (const k of this.args.keys()) {
      if (!allowed.includes(k)) throw invalidArgument(`invalid filter '${k}'`);
    }
  }

  /** A boolean filter such as `dangling=true`; undefined when absent. */
  bool(key: string): boolean | undefined {
    const vals = this.get(key);
    if (vals.length === 0) return undefined;
    const v = vals[vals.length - 1]!.toLowerCase();
    if (v === 'true' || v === '1') return true;
    if (v === 'false' || v === '0') return false;
    throw invalidArgument(`invalid filter '${key}=${vals[vals.length - 1]}'`);
  }

  /** `label=k` / `label=k=v` matching against a label map. */
  matchLabels(key: string, labels: Record<string, string> | null | undefined): boolean {
    for (const want of this.get(key)) {
      const eq = want.indexOf('=');
      const k = eq < 0 ? want : want.slice(0, eq);
      if (!labels || !(k in labels)) return false;
      if (eq >= 0 && labels[k] !== want.slice(eq + 1)) return false;
    }
    return true;
  }
}

/** Docker's `until`/`since` timestamps: unix seconds (with fraction), RFC 3339, or a Go duration ago. */
export function parseTimestamp(value: string, now = Date.now()): number {
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const dur = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)$/.exec(value);
  if (dur) {
    const mult: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60000, h: 3600000 };
    return now - Number(dur[1]) * mult[dur[2]!]!;
  }
  const compound = /^(?:\d+h)?(?:\d+m)?(?:\d+s)?$/.exec(value);
  if (compound && value) {
    let ms = 0;
    for (const [, n, u] of value.matchAll(/(\d+)([hms])/g)) ms += Number(n) * ({ h: 3600000, m: 60000, s: 1000 } as Record<string, number>)[u!]!;
    return now - ms;
  }
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw invalidArgument(`failed to parse value as time or duration: "${value}"`);
  return t;
}
