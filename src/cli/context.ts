import { ApiClient, clientOptionsFromEnv } from '../client/index.js';

export interface GlobalFlags {
  host?: string;
  tls?: boolean;
  tlsverify?: boolean;
  tlscacert?: string;
  tlscert?: string;
  tlskey?: string;
}

/** What every command gets: a lazily made client and the output streams. */
export class CliContext {
  private cached: ApiClient | undefined;
  exitCode = 0;

  constructor(
    private readonly flags: () => GlobalFlags,
    readonly out: NodeJS.WritableStream = process.stdout,
    readonly err: NodeJS.WritableStream = process.stderr,
  ) {}

  get client(): ApiClient {
    this.cached ??= new ApiClient(clientOptionsFromEnv(this.flags()));
    return this.cached;
  }

  print(text: string): void {
    this.out.write(text.endsWith('\n') ? text : text + '\n');
  }

  get isTTY(): boolean {
    return Boolean((this.out as NodeJS.WriteStream).isTTY);
  }
}

/** Commander collects repeatable options with this. */
export const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

/**
 * `--filter a=b` flags into the API's filters JSON (`{"a":{"b":true}}`), as docker's FilterOpt
 * and `filters.ToJSON` make it: names lower-cased, both sides trimmed, empty flags ignored, keys
 * sorted at both levels (Go marshals maps sorted), `<>&` escaped; undefined when there is no filter.
 */
export function filtersJson(filters: string[] | undefined): string | undefined {
  const out = new Map<string, Set<string>>();
  for (const f of filters ?? []) {
    if (f === '') continue;
    const eq = f.indexOf('=');
    if (eq < 0) throw new Error(`bad format of filter (expected name=value)`);
    const name = f.slice(0, eq).trim().toLowerCase();
    const values = out.get(name) ?? new Set<string>();
    values.add(f.slice(eq + 1).trim());
    out.set(name, values);
  }
  if (out.size === 0) return undefined;
  const sorted = (xs: Iterable<string>): string[] => [...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const json = JSON.stringify(Object.fromEntries(sorted(out.keys()).map((k) => [k, Object.fromEntries(sorted(out.get(k)!).map((v) => [v, true]))])));
  // json.Marshal escapes what could be read as HTML.
  return json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
