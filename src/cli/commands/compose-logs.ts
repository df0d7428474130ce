/**
 * Compose's log output: each line prefixed with the container's service-and-number name
 * (`web-1  | `), padded to the longest, coloured per container on a terminal as compose v2 does.
 */
import { demultiplex, escapePath, type ApiClient } from '../../client/index.js';
import { LABEL, nameOf, type ContainerSummary } from '../../compose/index.js';

// Compose v2's palette (cmd/formatter/colors.go): the plain colours, then their bright forms.
const COLORS = [36, 33, 32, 35, 34, 96, 93, 92, 95, 94];

/** `web-1` for `proj-web-1`; a container_name or one-off container keeps its name. */
export function shortName(c: ContainerSummary): string {
  const service = c.Labels[LABEL.service];
  const n = c.Labels[LABEL.number];
  const name = nameOf(c);
  if (c.Labels[LABEL.oneoff] === 'True' || !service || !n) return name;
  return name === `${c.Labels[LABEL.project]}-${service}-${n}` ? `${service}-${n}` : name;
}

export class LogPrinter {
  private width = 0;
  private readonly colors = new Map<string, number>();

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly color: boolean,
    private readonly prefix = true,
  ) {}

  register(name: string): void {
    this.width = Math.max(this.width, name.length);
    if (!this.colors.has(name)) this.colors.set(name, COLORS[this.colors.size % COLORS.length]!);
  }

  private label(name: string, sep: string): string {
    const text = `${name.padEnd(this.width)}  ${sep}`;
    return this.color ? `\x1b[${this.colors.get(name) ?? 0}m${text}\x1b[0m` : text;
  }

  line(name: string, text: string): void {
    this.out.write(this.prefix ? `${this.label(name, '|')} ${text}\n` : `${text}\n`);
  }

  /** A line about the container rather than from it (`web-1 exited with code 0`). */
  status(name: string, text: string): void {
    this.out.write(this.color ? `\x1b[${this.colors.get(name) ?? 0}m${name} ${text}\x1b[0m\n` : `${name} ${text}\n`);
  }
}

/** Splits a byte stream into lines, keeping an unfinished one for the next chunk. */
function lineSplitter(emit: (line: string) => void): { push(b: Buffer): void; end(): void } {
  let pending = '';
  return {
    push(b) {
      const parts = (pending + b.toString('utf8')).split('\n');
      pending = parts.pop()!;
      for (const p of parts) emit(p.replace(/\r$/, ''));
    },
    end() {
      if (pending !== '') emit(pending);
      pending = '';
    },
  };
}

export interface LogQuery {
  follow?: boolean;
  tail?: string;
  timestamps?: boolean;
  since?: string;
  until?: string;
}

/** Prints one container's logs through the printer until they end (at its exit when following). */
export async function streamLogs(client: ApiClient, c: ContainerSummary, tty: boolean, printer: LogPrinter, q: LogQuery): Promise<void> {
  const name = shortName(c);
  const res = await client.call('GET', `/containers/${escapePath(c.Id)}/logs`, {
    query: { stdout: true, stderr: true, follow: q.follow, tail: q.tail ?? 'all', timestamps: q.timestamps, since: q.since, until: q.until },
  });
  const out = lineSplitter((l) => printer.line(name, l));
  const err = lineSplitter((l) => printer.line(name, l));
  if (tty) for await (const chunk of res) out.push(chunk as Buffer);
  else
    await demultiplex(
      res,
      (b) => out.push(b),
      (b) => err.push(b),
    );
  out.end();
  err.end();
}
