import { createInterface } from 'node:readline/promises';
import { ApiError } from '../../client/index.js';
import type { CliContext } from '../context.js';
import { compileTemplate, MARSHAL_JSON, type TemplateOptions } from '../format/template.js';
import { StatusError } from '../errors.js';

/** Docker's short ID: 12 hex digits without the algorithm. */
export function truncateId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

/** Splits `repo[:tag]` where the repo may hold a registry port (`localhost:5000/x:1`). */
export function splitRepoTag(ref: string, fallbackTag = '<none>'): [string, string] {
  const at = ref.indexOf('@');
  const name = at >= 0 ? ref.slice(0, at) : ref;
  const colon = name.lastIndexOf(':');
  if (colon > name.lastIndexOf('/')) return [name.slice(0, colon), name.slice(colon + 1)];
  return [name, fallbackTag];
}

/** Go's `time.Time.String()` for a unix time, as docker prints CreatedAt. */
export function goTime(unixSeconds: number): string {
  const d = new Date(unixSeconds * 1000);
  const p = (n: number): string => String(n).padStart(2, '0');
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  const tz = zoneName(d, off);
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())} ${sign}${p(Math.floor(Math.abs(off) / 60))}${p(Math.abs(off) % 60)} ${tz}`;
}

const zoneNames = new Map<number, string>();
/** The zone's short name (CET, UTC). ICU's formatter costs ~30 ms to set up: once per offset. */
function zoneName(d: Date, offsetMinutes: number): string {
  let name = zoneNames.get(offsetMinutes);
  if (name === undefined) {
    name = Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(d).find((x) => x.type === 'timeZoneName')?.value ?? 'UTC';
    zoneNames.set(offsetMinutes, name);
  }
  return name;
}

/** What Go's json.Marshal escapes and JSON.stringify does not (`<` → `\u003c`). */
export function goEscapeHtml(json: string): string {
  return json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * A row for tables and `--format`: keys in alphabetical order, as docker's formatter contexts
 * marshal for `{{json .}}`; a function value becomes a field computed on first read, since some
 * (dates in the local zone) cost more than the whole listing and most formats never read them.
 */
export function formatRow(fields: Record<string, unknown>): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  // `{{json .}}`: the context's MarshalJSON, Go's json.Marshal of the fields (HTML-escaped).
  Object.defineProperty(row, MARSHAL_JSON, { value: () => goEscapeHtml(JSON.stringify(row)), enumerable: false });
  for (const key of Object.keys(fields).sort()) {
    const v = fields[key];
    if (typeof v !== 'function') {
      row[key] = v;
      continue;
    }
    let value: unknown;
    let done = false;
    Object.defineProperty(row, key, {
      enumerable: true,
      get: () => {
        if (!done) {
          value = (v as () => unknown)();
          done = true;
        }
        return value;
      },
    });
  }
  return row;
}

/**
 * docker's `prompt.Confirm`: prints the warning and `Are you sure you want to continue? [y/N] `,
 * then reads one line from stdin, terminal or not (`echo y | berth … prune` confirms); only `y`
 * (any case) says yes, and end of input says no.
 */
export async function confirm(ctx: CliContext, warning: string): Promise<boolean> {
  ctx.out.write(`${warning}\nAre you sure you want to continue? [y/N] `);
  const rl = createInterface({ input: process.stdin, terminal: false });
  try {
    for await (const line of rl) return line.trim().toLowerCase() === 'y';
    return false;
  } finally {
    rl.close();
    process.stdin.pause();
  }
}

/**
 * `inspect` output: a JSON array indented like Go's MarshalIndent("", "    "), or one template
 * line per object. Objects that cannot be found are reported after the others (exit 1).
 */
export async function inspectOutput(ctx: CliContext, names: string[], format: string | undefined, fetchOne: (name: string) => Promise<unknown>): Promise<void> {
  const found: unknown[] = [];
  const errors: string[] = [];
  for (const n of names) {
    try {
      found.push(await fetchOne(n));
    } catch (err) {
      errors.push(err instanceof ApiError ? `Error response from daemon: ${err.message}` : (err as Error).message);
    }
  }
  if (format) {
    const tpl = compileTemplate(format.startsWith('json') && format.trim() === 'json' ? '{{json .}}' : format);
    for (const obj of found) ctx.print(tpl(obj));
  } else {
    ctx.print(found.length ? JSON.stringify(found, null, 4) : '[]');
  }
  if (errors.length) throw new Error(errors.join('\n'));
}

/** An `inspect -f` template; one that does not parse exits 64, as docker's does. */
export function compileInspectTemplate(format: string, options: TemplateOptions = {}): (data: unknown) => string {
  try {
    return compileTemplate(format, options);
  } catch (err) {
    throw new StatusError(64, (err as Error).message);
  }
}
