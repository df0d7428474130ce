import type { ServerResponse } from 'node:http';
import type { ProgressEvent } from '../base/progress.js';
import { messageOf } from './http-errors.js';

/**
 * Docker's JSON message stream (pull, push, load, import, build): one JSON object per line,
 * flushed as it happens. Errors after the first byte go in-band (`errorDetail`).
 */
export class JsonMessageStream {
  private started = false;
  private lastProgressAt = new Map<string, number>();

  constructor(private readonly res: ServerResponse) {}

  get hasStarted(): boolean {
    return this.started;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.res.writeHead(200, { 'Content-Type': 'application/json' });
    this.res.flushHeaders();
  }

  write(obj: object): void {
    this.start();
    this.res.write(JSON.stringify(obj) + '\r\n');
  }

  /** Progress events, throttled to ~10 per second per id (the CLI redraws on each). */
  progress(e: ProgressEvent): void {
    if (e.stream !== undefined) {
      this.write({ stream: e.stream });
      return;
    }
    const key = `${e.id ?? ''}/${e.status}`;
    const now = Date.now();
    const done = e.total !== undefined && e.current === e.total;
    if (e.current !== undefined && !done && now - (this.lastProgressAt.get(key) ?? 0) < 100) return;
    this.lastProgressAt.set(key, now);
    const msg: Record<string, unknown> = { status: e.status };
    if (e.current !== undefined) {
      msg.progressDetail = { current: e.current, ...(e.total !== undefined ? { total: e.total } : {}) };
      msg.progress = progressBar(e.current, e.total);
    } else if (e.id !== undefined && !e.note) {
      // moby sends every update of an id with a progressDetail, empty or not: the docker CLI keeps
      // one line per such id and redraws it in place.
      msg.progressDetail = {};
    }
    if (e.id !== undefined) msg.id = e.id;
    this.write(msg);
  }

  /** An in-band error; `code` is a JSONError's (a failed build step's exit code). */
  error(err: unknown, code?: number): void {
    const message = messageOf(err);
    this.write({ errorDetail: { ...(code !== undefined ? { code } : {}), message }, error: message });
  }

  end(): void {
    this.start();
    this.res.end();
  }
}

/** Docker's progress text: `[=====>      ]  1.2MB/3.4MB`. */
export function progressBar(current: number, total?: number): string {
  const human = (n: number): string => {
    const units = ['B', 'kB', 'MB', 'GB', 'TB'];
    let i = 0;
    while (n >= 1000 && i < units.length - 1) {
      n /= 1000;
      i++;
    }
    return `${i === 0 ? n : n.toFixed(3).replace(/\.?0+$/, '')}${units[i]}`;
  };
  if (!total || total <= 0) return human(current);
  const width = 50;
  const filled = Math.min(width, Math.floor((current / total) * width));
  const bar = '='.repeat(Math.max(0, filled - 1)) + (filled > 0 ? (filled === width ? '=' : '>') : '') + ' '.repeat(width - filled);
  return `[${bar}] ${human(current)}/${human(total)}`;
}
