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

/** `--filter a=b` flags into the API's filters JSON (`{"a":{"b":true}}`). */
export function filtersJson(filters: string[] | undefined): string | undefined {
  if (!filters || filters.length === 0) return undefined;
  const out: Record<string, Record<string, boolean>> = {};
  for (const f of filters) {
    const eq = f.indexOf('=');
    if (eq <= 0) throw new Error(`bad format of filter (expected name=value)`);
    (out[f.slice(0, eq).toLowerCase()] ??= {})[f.slice(eq + 1)] = true;
  }
  return JSON.stringify(out);
}
