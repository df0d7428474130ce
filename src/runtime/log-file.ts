/**
 * Container logs as conmon writes them (k8s-file): one line per record,
 * `<RFC3339Nano time> <stdout|stderr> <F|P> <text>`, where F ends a line and P is a piece of a
 * longer one (no newline yet). Read back as Docker's log records: bytes, stream and time.
 */
import { open, type FileHandle } from 'node:fs/promises';

export interface LogRecord {
  stream: 'stdout' | 'stderr';
  /** Nanoseconds since the epoch. */
  timeNs: bigint;
  /** RFC3339Nano in UTC, as Docker prints `--timestamps`. */
  time: string;
  /** The text, with its newline when the line was complete. */
  line: Buffer;
}

const SPACE = 0x20;

/** Parses one k8s-file line (without its trailing newline); undefined if it is not one. */
export function parseLogLine(raw: Buffer): LogRecord | undefined {
  const a = raw.indexOf(SPACE);
  const b = a < 0 ? -1 : raw.indexOf(SPACE, a + 1);
  const c = b < 0 ? -1 : raw.indexOf(SPACE, b + 1);
  if (c < 0 && !(b > 0 && raw.length === b + 2)) return undefined;
  const stream = raw.toString('latin1', a + 1, b);
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  const tag = raw[b + 1];
  const text = c < 0 ? Buffer.alloc(0) : raw.subarray(c + 1);
  const timeNs = parseTimeNs(raw.toString('latin1', 0, a));
  if (timeNs === undefined) return undefined;
  // F marks a complete line (the newline was the separator); P a partial one.
  const line = tag === 0x46 ? Buffer.concat([text, Buffer.from('\n')]) : Buffer.from(text);
  return { stream, timeNs, time: formatTimeNs(timeNs), line };
}

/** RFC3339 with up to 9 fractional digits and any offset → ns since the epoch. */
export function parseTimeNs(s: string): bigint | undefined {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:?\d\d)$/.exec(s);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}${m[3] === 'Z' ? 'Z' : m[3]!.replace(/^([+-]\d\d)(\d\d)$/, '$1:$2')}`);
  if (Number.isNaN(ms)) return undefined;
  return BigInt(ms) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}

export function formatTimeNs(ns: bigint): string {
  const ms = Number(ns / 1_000_000n);
  const frac = (ns % 1_000_000_000n).toString().padStart(9, '0');
  return `${new Date(ms).toISOString().slice(0, 19)}.${frac}Z`;
}

export interface LogReadOptions {
  tail?: number;
  sinceNs?: bigint;
  untilNs?: bigint;
}

/**
 * Reads the records of a log file (and of its rotated predecessors, oldest first), applying
 * since/until and tail (counted in records, as Docker counts log lines). Returns the byte offset
 * reached in the current file, for a follower to continue from.
 */
export async function readLogs(paths: string[], opts: LogReadOptions): Promise<{ records: LogRecord[]; offset: number }> {
  let records: LogRecord[] = [];
  let offset = 0;
  for (const [i, path] of paths.entries()) {
    let data: Buffer;
    try {
      data = await readWhole(path);
    } catch {
      continue;
    }
    const end = data.lastIndexOf(0x0a) + 1;
    if (i === paths.length - 1) offset = end;
    for (const rec of splitRecords(data.subarray(0, end))) {
      if (opts.sinceNs !== undefined && rec.timeNs < opts.sinceNs) continue;
      if (opts.untilNs !== undefined && rec.timeNs > opts.untilNs) continue;
      records.push(rec);
    }
  }
  if (opts.tail !== undefined && opts.tail >= 0) records = opts.tail === 0 ? [] : records.slice(-opts.tail);
  return { records, offset };
}

export function* splitRecords(data: Buffer): Generator<LogRecord> {
  let start = 0;
  while (start < data.length) {
    const nl = data.indexOf(0x0a, start);
    if (nl < 0) break;
    const rec = parseLogLine(data.subarray(start, nl));
    if (rec) yield rec;
    start = nl + 1;
  }
}

async function readWhole(path: string): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    return await fh.readFile();
  } finally {
    await fh.close();
  }
}

/**
 * The complete lines of an open log file from `offset` on, and where they end. A follower holds the file open, so the
 * last lines of a container removed right after its exit (docker-py's `run(remove=True)` removes
 * it before reading the followed log) are still there to read.
 */
export async function readFromHandle(fh: FileHandle, offset: number): Promise<{ data: Buffer; next: number; truncated: boolean }> {
  const size = (await fh.stat()).size;
  // conmon truncates the file when it reaches --log-size-max: start again from the top.
  if (size < offset) return { ...(await readFromHandle(fh, 0)), truncated: true };
  if (size === offset) return { data: Buffer.alloc(0), next: offset, truncated: false };
  const buf = Buffer.allocUnsafe(size - offset);
  const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
  const end = buf.subarray(0, bytesRead).lastIndexOf(0x0a) + 1;
  return { data: buf.subarray(0, end), next: offset + end, truncated: false };
}
