import { connect } from 'node:net';

export interface RawReply {
  status: number;
  headers: Record<string, string>;
  /** Every byte after the head, until the daemon closed the connection. */
  body: Buffer;
}

/**
 * One HTTP exchange written by hand on the daemon's unix socket, read until the daemon closes
 * it: for hijacked streams (attach, exec start), upgraded or not, whose framing and head a test
 * checks byte for byte. `input` is written after the request (a hijacked stream's stdin), one
 * chunk every `inputDelayMs`.
 */
export function rawExchange(socketPath: string, method: string, path: string, body: unknown, opts: { upgrade?: boolean; input?: Buffer[]; inputDelayMs?: number } = {}): Promise<RawReply> {
  const payload = body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(body));
  const head = [
    `${method} ${path} HTTP/1.1`,
    'Host: api.moby.localhost',
    'Content-Type: application/json',
    `Content-Length: ${payload.length}`,
    ...(opts.upgrade ? ['Connection: Upgrade', 'Upgrade: tcp'] : ['Connection: close']),
    '',
    '',
  ].join('\r\n');
  return new Promise((resolve, reject) => {
    const sock = connect(socketPath);
    const chunks: Buffer[] = [];
    sock.on('data', (d: Buffer) => chunks.push(d));
    sock.on('error', reject);
    sock.on('close', () => {
      const all = Buffer.concat(chunks);
      const end = all.indexOf('\r\n\r\n');
      if (end < 0) return reject(new Error(`no HTTP head in ${JSON.stringify(all.toString())}`));
      const [statusLine, ...lines] = all.subarray(0, end).toString('latin1').split('\r\n');
      const headers: Record<string, string> = {};
      for (const l of lines) headers[l.slice(0, l.indexOf(':')).toLowerCase()] = l.slice(l.indexOf(':') + 1).trim();
      resolve({ status: Number(statusLine!.split(' ')[1]), headers, body: all.subarray(end + 4) });
    });
    sock.write(Buffer.concat([Buffer.from(head), payload]));
    for (const [i, chunk] of (opts.input ?? []).entries()) setTimeout(() => sock.write(chunk), (i + 1) * (opts.inputDelayMs ?? 0));
  });
}

/** Splits a stdcopy stream into its frames; throws on bytes that are not one. */
export function demux(data: Buffer): { stream: number; data: string }[] {
  const out: { stream: number; data: string }[] = [];
  let i = 0;
  while (i < data.length) {
    if (i + 8 > data.length || ![0, 1, 2].includes(data[i]!)) throw new Error(`not a stdcopy frame at byte ${i}: ${JSON.stringify(data.subarray(i).toString())}`);
    const len = data.readUInt32BE(i + 4);
    out.push({ stream: data[i]!, data: data.subarray(i + 8, i + 8 + len).toString() });
    i += 8 + len;
  }
  return out;
}

/** A JSON request at a given API version (`v1.41`); the reply's status and parsed body. */
export async function jsonAt<T>(socketPath: string, version: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: T }> {
  const r = await rawExchange(socketPath, method, `/${version}${path}`, body);
  const text = r.body.toString();
  return { status: r.status, json: (text.trim() ? JSON.parse(text) : undefined) as T };
}
