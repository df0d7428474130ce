/**
 * The embedded DNS's side towards upstream servers: their addresses parsed, and one exchange
 * per query over a fresh UDP socket or TCP connection, bounded by a deadline and an abort.
 */
import dgram from 'node:dgram';
import net from 'node:net';

const QR_BIT = 0x80; // in the third header byte

/** A parsed upstream server address. */
export interface DnsUpstream {
  host: string;
  port: number;
  family: 4 | 6;
}

/** RFC 1035 §4.2.2: over TCP each message is preceded by its 2-byte length. */
export function framed(msg: Buffer): Buffer {
  const head = Buffer.alloc(2);
  head.writeUInt16BE(msg.length);
  return Buffer.concat([head, msg]);
}

export function closeQuietly(sock: dgram.Socket): void {
  try {
    sock.close();
  } catch {
    // Never bound: nothing to release.
  }
}

/** One request/response with an upstream over a fresh connected UDP socket. */
export function exchangeUdp(up: DnsUpstream, query: Buffer, timeoutMs: number, signal: AbortSignal): Promise<Buffer> {
  const id = query.readUInt16BE(0);
  const sock = dgram.createSocket(up.family === 6 ? 'udp6' : 'udp4');
  return settleOnce(timeoutMs, signal, () => closeQuietly(sock), (resolve, reject) => {
    sock.on('error', reject); // ECONNREFUSED arrives here from the ICMP port-unreachable
    sock.on('message', (msg) => {
      // Stray datagrams (late answers, other IDs) are ignored, not fatal.
      if (msg.length >= 12 && msg.readUInt16BE(0) === id && ((msg[2] ?? 0) & QR_BIT) !== 0) resolve(msg);
    });
    sock.connect(up.port, up.host, () => sock.send(query, (err) => err && reject(err)));
  });
}

/** One request/response with an upstream over a fresh TCP connection. */
export function exchangeTcp(up: DnsUpstream, query: Buffer, timeoutMs: number, signal: AbortSignal): Promise<Buffer> {
  const sock = net.connect({ host: up.host, port: up.port });
  return settleOnce(timeoutMs, signal, () => sock.destroy(), (resolve, reject) => {
    let buf = Buffer.alloc(0);
    sock.on('error', reject);
    sock.on('close', () => reject(new Error('connection closed before an answer')));
    sock.on('connect', () => sock.write(framed(query)));
    sock.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length < 2) return;
      const len = buf.readUInt16BE(0);
      if (buf.length < 2 + len) return;
      if (len < 12) return reject(new Error(`short answer (${len} bytes)`));
      resolve(buf.subarray(2, 2 + len));
    });
  });
}

/** Runs `start` until it settles, the deadline passes or `signal` aborts; `cleanup` runs once, first. */
function settleOnce<T>(timeoutMs: number, signal: AbortSignal, cleanup: () => void, start: (resolve: (v: T) => void, reject: (err: unknown) => void) => void): Promise<T> {
  const stop = AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const finish = (fn: () => void): void => {
      if (done) return;
      done = true;
      stop.removeEventListener('abort', onStop);
      cleanup();
      fn();
    };
    const onStop = (): void => finish(() => reject(signal.aborted ? new Error('aborted') : new Error(`no answer within ${timeoutMs} ms`)));
    if (stop.aborted) return onStop();
    stop.addEventListener('abort', onStop);
    start((v) => finish(() => resolve(v)), (err) => finish(() => reject(err)));
  });
}

/** "ip", "ip:port" or "[ipv6]:port"; undefined when it is none of those. */
export function parseUpstream(spec: string): DnsUpstream | undefined {
  let host = spec.trim();
  let port = 53;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(host);
  if (bracketed) {
    host = bracketed[1] ?? '';
    if (bracketed[2] !== undefined) port = Number(bracketed[2]);
  } else if (net.isIP(host) === 0) {
    const i = host.lastIndexOf(':');
    if (i < 0 || !/^\d+$/.test(host.slice(i + 1))) return undefined;
    port = Number(host.slice(i + 1));
    host = host.slice(0, i);
  }
  const family = net.isIP(host);
  if ((family !== 4 && family !== 6) || port < 1 || port > 65_535) return undefined;
  return { host, port, family };
}

