import { createInterface } from 'node:readline/promises';
import type { CliContext } from '../context.js';
import { compileTemplate } from '../format/template.js';

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
  const tz = Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(d).find((x) => x.type === 'timeZoneName')?.value ?? 'UTC';
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())} ${sign}${p(Math.floor(Math.abs(off) / 60))}${p(Math.abs(off) % 60)} ${tz}`;
}

/** Asks `[y/N]` on the terminal; a non-interactive stdin answers no. */
export async function confirm(ctx: CliContext, warning: string): Promise<boolean> {
  ctx.out.write(`${warning}\nAre you sure you want to continue? [y/N] `);
  if (!process.stdin.isTTY) {
    ctx.out.write('\n');
    return false;
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  const answer = await rl.question('');
  rl.close();
  return /^y(es)?$/i.test(answer.trim());
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
      errors.push((err as Error).message);
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
