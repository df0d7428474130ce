/**
 * berth's embedded DNS resolver, Docker's 127.0.0.11 equivalent (libnetwork/resolver.go). The
 * daemon binds one on each user-defined bridge network's gateway address so containers resolve
 * each other by name; everything it does not know is forwarded to the network's upstreams.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { randomInt } from '../base/crypto.js';
import * as dnsPacket from 'dns-packet';
import type { Answer, DecodedPacket } from 'dns-packet';
import { BerthError, invalidArgument, isErrno } from '../base/errors.js';
import { formatIp6 } from './ip6.js';
import { closeQuietly, exchangeTcp, exchangeUdp, framed, parseUpstream, type DnsUpstream } from './dns-upstream.js';

export { parseUpstream, type DnsUpstream };
import type { Logger } from '../base/log.js';

/**
 * Where the resolver's answers come from; the daemon implements it over its network/container
 * state. Called on every query (no caching here), so it must be cheap; a throw fails that query (SERVFAIL).
 */
export interface DnsRecordSource {
  /**
   * Addresses (IPv4 and IPv6) for `name` (lower-case, no trailing dot) as the client at
   * `clientIp` sees them through the resolver on `listenAddress`; [] if unknown.
   */
  lookup(listenAddress: string, name: string, clientIp: string): string[];
  /** A name for an address (PTR) as that client sees it, or undefined. */
  reverse(listenAddress: string, ip: string, clientIp: string): string | undefined;
  /**
   * Upstream servers for names it does not know, for the client at `clientIp` (Docker forwards a
   * container's queries to its own `--dns` servers): "ip" or "ip:port" (default port 53).
   */
  upstreams(listenAddress: string, clientIp: string): string[];
}

export interface EmbeddedDnsOptions {
  /** UDP and TCP port on every address (default 53). 0 picks a free port per address: see `boundPort`. */
  port?: number;
  /** How long one upstream gets to answer before the next is tried (default 4000 ms, Docker's extIOTimeout). */
  upstreamTimeoutMs?: number;
}

const TTL = 600;
/** Docker forwards to at most three servers (resolv.conf's MAXNS). */
const MAX_UPSTREAMS = 3;
/** Docker's maxConcurrent: bounds the sockets open towards upstreams. */
const MAX_FORWARDS = 1024;
const TCP_IDLE_MS = 10_000;
/** RFC 1035's UDP limit, raised by the client's EDNS0 payload size. */
const UDP_MIN_SIZE = 512;
const TCP_MAX_SIZE = 65_535;

const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NOTIMP: 4, REFUSED: 5 } as const;
const OPCODE_MASK = 0x7800;

type Transport = 'udp' | 'tcp';


interface Listener {
  address: string;
  port: number;
  udp: dgram.Socket;
  tcp: net.Server;
  conns: Set<net.Socket>;
  /** Aborted on unlisten: in-flight forwards give up and nothing more is written. */
  abort: AbortController;
}

/**
 * Serves DNS on UDP and TCP on each address given to `listen`. Lifecycle: `listen`/`unlisten`
 * per address as networks come and go; `close` releases every socket. Instances share nothing.
 */
export class EmbeddedDns {
  private readonly port: number;
  private readonly timeoutMs: number;
  private readonly listeners = new Map<string, Promise<Listener>>();
  /** Addresses being released, so a quick re-listen waits for the port to be free. */
  private readonly closing = new Map<string, Promise<void>>();
  /** Listeners that are up, by address: the loop check needs their ports. */
  private readonly bound = new Map<string, Listener>();
  private forwarding = 0;

  constructor(
    private readonly source: DnsRecordSource,
    private readonly log: Logger,
    opts: EmbeddedDnsOptions = {},
  ) {
    this.port = opts.port ?? 53;
    this.timeoutMs = opts.upstreamTimeoutMs ?? 4000;
  }

  /** Serves UDP and TCP on address:port (port default 53). Idempotent per address. */
  listen(address: string): Promise<void> {
    let entry = this.listeners.get(address);
    if (!entry) {
      const created = this.bind(address);
      entry = created;
      this.listeners.set(address, created);
      // A failed bind is forgotten so a later listen can try again.
      void created.catch(() => {
        if (this.listeners.get(address) === created) this.listeners.delete(address);
      });
    }
    return entry.then(() => undefined);
  }

  async unlisten(address: string): Promise<void> {
    const entry = this.listeners.get(address);
    if (!entry) return;
    this.listeners.delete(address);
    const done = entry.then((l) => this.shutdown(l), () => undefined);
    this.closing.set(address, done);
    try {
      await done;
    } finally {
      if (this.closing.get(address) === done) this.closing.delete(address);
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.listeners.keys()].map((a) => this.unlisten(a)));
  }

  /** The port actually bound on `address` (useful with `port: 0`), or undefined if not listening. */
  async boundPort(address: string): Promise<number | undefined> {
    return this.listeners.get(address)?.then((l) => l.port, () => undefined);
  }

  private async bind(address: string): Promise<Listener> {
    const family = net.isIP(address);
    if (family === 0) throw invalidArgument(`embedded DNS: invalid listen address "${address}"`);
    await this.closing.get(address);
    // With port 0 the kernel picks the UDP port; TCP may already hold it, so try a few.
    for (let attempt = 0; ; attempt++) {
      const l: Listener = {
        address,
        port: this.port,
        udp: dgram.createSocket({ type: family === 6 ? 'udp6' : 'udp4' }),
        tcp: net.createServer({ allowHalfOpen: true }),
        conns: new Set(),
        abort: new AbortController(),
      };
      l.udp.on('message', (msg, rinfo) => void this.serveUdp(l, msg, rinfo));
      l.tcp.on('connection', (sock) => this.serveTcp(l, sock));
      try {
        await whenBound(l.udp, (done) => l.udp.bind({ address, port: this.port, exclusive: true }, done));
      } catch (err) {
        closeQuietly(l.udp);
        throw bindError('udp', address, this.port, err);
      }
      l.port = l.udp.address().port;
      try {
        await whenBound(l.tcp, (done) => l.tcp.listen({ host: address, port: l.port, exclusive: true }, done));
      } catch (err) {
        closeQuietly(l.udp);
        if (this.port === 0 && isErrno(err, 'EADDRINUSE') && attempt < 5) continue;
        throw bindError('tcp', address, l.port, err);
      }
      l.udp.on('error', (err) => this.log.warn('embedded DNS: udp socket error', { address, error: err }));
      l.tcp.on('error', (err) => this.log.warn('embedded DNS: tcp listener error', { address, error: err }));
      this.bound.set(address, l);
      this.log.debug('embedded DNS: listening', { address, port: l.port });
      return l;
    }
  }

  private async serveUdp(l: Listener, msg: Buffer, rinfo: dgram.RemoteInfo): Promise<void> {
    const resp = await this.handle(l, msg, 'udp', `${rinfo.address}:${rinfo.port}`);
    if (!resp || l.abort.signal.aborted) return;
    l.udp.send(resp, rinfo.port, rinfo.address, (err) => {
      if (err) this.log.debug('embedded DNS: udp reply failed', { to: rinfo.address, error: err });
    });
  }

  /** RFC 7766 framing: 2-byte length, several (possibly pipelined) queries per connection. */
  private serveTcp(l: Listener, sock: net.Socket): void {
    const peer = `${sock.remoteAddress}:${sock.remotePort}`;
    let pending: Buffer = Buffer.alloc(0);
    let inflight = 0;
    let ended = false;
    l.conns.add(sock);
    sock.setTimeout(TCP_IDLE_MS);
    // A slow upstream is not idleness: only drop connections with nothing in flight.
    sock.on('timeout', () => {
      if (inflight === 0) sock.destroy();
    });
    sock.on('error', (err) => this.log.debug('embedded DNS: tcp connection error', { peer, error: err }));
    sock.on('close', () => l.conns.delete(sock));
    // Half-open so a client that shuts down its side after writing still gets its answers.
    sock.on('end', () => {
      ended = true;
      if (inflight === 0) sock.end();
    });
    const serveFrame = async (frame: Buffer): Promise<void> => {
      inflight++;
      const resp = await this.handle(l, frame, 'tcp', peer);
      inflight--;
      if (sock.destroyed || l.abort.signal.aborted) return;
      if (!resp) return void sock.destroy();
      sock.write(framed(resp));
      if (ended && inflight === 0) sock.end();
    };
    sock.on('data', (chunk: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      while (pending.length >= 2) {
        const len = pending.readUInt16BE(0);
        if (pending.length < 2 + len) break;
        const frame = pending.subarray(2, 2 + len);
        pending = pending.subarray(2 + len);
        void serveFrame(frame);
      }
    });
  }

  /** The reply to one query message, or undefined when it is malformed and must be dropped. Never throws. */
  private async handle(l: Listener, raw: Buffer, transport: Transport, peer: string): Promise<Buffer | undefined> {
    let query: DecodedPacket;
    try {
      query = dnsPacket.decode(raw);
    } catch (err) {
      this.log.debug('embedded DNS: malformed query dropped', { peer, transport, error: err });
      return undefined;
    }
    if (query.flag_qr) {
      this.log.debug('embedded DNS: response received as a query, dropped', { peer, transport });
      return undefined;
    }
    const maxSize = transport === 'tcp' ? TCP_MAX_SIZE : Math.max(UDP_MIN_SIZE, ednsPayloadSize(query));
    try {
      return await this.respond(l, raw, query, transport, maxSize, peer);
    } catch (err) {
      // A record source that throws, or a name dns-packet cannot encode: fail this query only.
      this.log.warn('embedded DNS: query failed', { peer, transport, error: err });
      return encodeReply({ ...query, questions: [] }, RCODE.SERVFAIL, [], maxSize, transport);
    }
  }

  private async respond(l: Listener, raw: Buffer, query: DecodedPacket, transport: Transport, maxSize: number, peer: string): Promise<Buffer> {
    // The same gate as miekg/dns's default MsgAcceptFunc, which Docker's server uses.
    if (((query.flags ?? 0) & OPCODE_MASK) !== 0) return encodeReply(query, RCODE.NOTIMP, [], maxSize, transport);
    if (query.questions?.length !== 1) return encodeReply({ ...query, questions: [] }, RCODE.FORMERR, [], maxSize, transport);
    const answers = this.answerLocally(l, query, peer.slice(0, peer.lastIndexOf(':')));
    if (answers) return encodeReply(query, RCODE.NOERROR, answers, maxSize, transport);
    const forwarded = await this.forward(l, raw, transport, query, peer);
    return forwarded ?? encodeReply(query, RCODE.SERVFAIL, [], maxSize, transport);
  }

  /** The answers berth owns (possibly none: NOERROR/NODATA), or undefined to forward upstream. */
  private answerLocally(l: Listener, query: DecodedPacket, clientIp: string): Answer[] | undefined {
    const q = query.questions?.[0];
    if (!q || (q.class !== undefined && q.class !== 'IN')) return undefined;
    const name = q.name.toLowerCase().replace(/\.$/, '');
    switch (q.type) {
      case 'A':
      case 'AAAA': {
        const known = this.source.lookup(l.address, name, clientIp);
        if (known.length === 0) return undefined;
        // A known container without an address of this family gets NODATA, as from Docker:
        // the client must not ask upstream about a container's name.
        const ips = known.filter((ip) => (q.type === 'A' ? net.isIPv4(ip) : net.isIPv6(ip)));
        return shuffle(ips).map((ip) => ({ name: q.name, type: q.type, class: 'IN', ttl: TTL, data: ip }) as Answer);
      }
      // An implicit MX (RFC 5321 §5.1) of a container name: NODATA too.
      case 'MX':
        return this.source.lookup(l.address, name, clientIp).length > 0 ? [] : undefined;
      case 'PTR': {
        const ip = ipFromPtrName(name);
        const host = ip === undefined ? undefined : this.source.reverse(l.address, ip, clientIp);
        if (!host) return undefined;
        return [{ name: q.name, type: 'PTR', class: 'IN', ttl: TTL, data: host.endsWith('.') ? host : `${host}.` }];
      }
      default:
        return undefined;
    }
  }

  /**
   * Relays the query to the upstreams in order over the client's transport; the next is tried on
   * error, timeout, SERVFAIL or REFUSED (Docker's rule). Undefined when none answered.
   */
  private async forward(l: Listener, raw: Buffer, transport: Transport, query: DecodedPacket, peer: string): Promise<Buffer | undefined> {
    const upstreams = this.upstreamsFor(l, peer.slice(0, peer.lastIndexOf(':')));
    if (upstreams.length === 0) return undefined;
    if (this.forwarding >= MAX_FORWARDS) {
      this.log.warn('embedded DNS: too many concurrent forwarded queries', { limit: MAX_FORWARDS });
      return undefined;
    }
    const q = query.questions?.[0];
    const what = q ? `${q.name} ${q.type}` : '';
    this.forwarding++;
    try {
      for (const up of upstreams) {
        if (l.abort.signal.aborted) return undefined;
        // A fresh ID (and socket) per exchange, so upstream replies cannot be confused or spoofed as easily.
        const out = Buffer.from(raw);
        out.writeUInt16BE(randomInt(0x10000), 0);
        const to = `${transport}:${up.host}:${up.port}`;
        let resp: Buffer;
        try {
          resp = transport === 'udp' ? await exchangeUdp(up, out, this.timeoutMs, l.abort.signal) : await exchangeTcp(up, out, this.timeoutMs, l.abort.signal);
        } catch (err) {
          this.log.debug('embedded DNS: upstream failed', { query: what, upstream: to, error: err });
          continue;
        }
        const rcode = resp.readUInt16BE(2) & 0xf;
        if (rcode === RCODE.SERVFAIL || rcode === RCODE.REFUSED) {
          this.log.debug('embedded DNS: upstream refused', { query: what, upstream: to, rcode });
          continue;
        }
        // Relayed byte for byte (a truncated UDP answer too, so the client retries over TCP).
        resp.writeUInt16BE(query.id ?? 0, 0);
        return resp;
      }
      return undefined;
    } finally {
      this.forwarding--;
    }
  }

  private upstreamsFor(l: Listener, clientIp: string): DnsUpstream[] {
    const own = new Set([...this.bound.values()].map((x) => `${x.address.toLowerCase()}|${x.port}`));
    const result: DnsUpstream[] = [];
    for (const spec of this.source.upstreams(l.address, clientIp)) {
      const up = parseUpstream(spec);
      if (!up) {
        this.log.debug('embedded DNS: invalid upstream ignored', { upstream: spec });
      } else if (own.has(`${up.host.toLowerCase()}|${up.port}`)) {
        this.log.debug('embedded DNS: upstream is this resolver, skipped to avoid a loop', { upstream: spec });
      } else if (result.length < MAX_UPSTREAMS) {
        result.push(up);
      }
    }
    return result;
  }

  private shutdown(l: Listener): Promise<void> {
    if (this.bound.get(l.address) === l) this.bound.delete(l.address);
    l.abort.abort();
    for (const sock of l.conns) sock.destroy();
    const udp = new Promise<void>((resolve) => {
      try {
        l.udp.close(() => resolve());
      } catch {
        resolve();
      }
    });
    const tcp = new Promise<void>((resolve) => l.tcp.close(() => resolve()));
    return Promise.all([udp, tcp]).then(() => undefined);
  }
}

/** Resolves once `start` reports success; rejects with the 'error' emitted instead (EADDRINUSE, EADDRNOTAVAIL…). */
function whenBound(target: dgram.Socket | net.Server, start: (done: () => void) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    target.once('error', reject);
    start(() => {
      target.off('error', reject);
      resolve();
    });
  });
}

function bindError(proto: Transport, address: string, port: number, err: unknown): BerthError {
  const reason = err instanceof Error ? err.message : String(err);
  return new BerthError('Unavailable', `embedded DNS: cannot listen on ${proto} ${address}:${port}: ${reason}`, { cause: err });
}


/** Header flags as Docker's SetReply leaves them: opcode, RD and CD echoed, RA on, AA off. */
function encodeReply(query: DecodedPacket, rcode: number, answers: Answer[], maxSize: number, transport: Transport): Buffer {
  const keep = OPCODE_MASK | dnsPacket.RECURSION_DESIRED | dnsPacket.CHECKING_DISABLED;
  const packet = {
    type: 'response' as const,
    id: query.id ?? 0,
    flags: ((query.flags ?? 0) & keep) | dnsPacket.RECURSION_AVAILABLE | rcode,
    questions: query.questions ?? [],
    answers: [...answers],
  };
  let out = dnsPacket.encode(packet);
  // Like Docker's truncateResp: drop answers until it fits; TC tells a UDP client to retry on TCP.
  while (out.length > maxSize && packet.answers.length > 0) {
    packet.answers.pop();
    if (transport === 'udp') packet.flags |= dnsPacket.TRUNCATED_RESPONSE;
    out = dnsPacket.encode(packet);
  }
  return out;
}

function ednsPayloadSize(query: DecodedPacket): number {
  for (const rr of query.additionals ?? []) if (rr.type === 'OPT') return rr.udpPayloadSize;
  return 0;
}

/**
 * `4.3.2.1.in-addr.arpa` → `1.2.3.4`; the 32 nibbles of an `ip6.arpa` name → the IPv6 address
 * in RFC 5952 form; undefined for anything else.
 */
function ipFromPtrName(name: string): string | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.in-addr\.arpa$/.exec(name);
  if (m) {
    const ip = [m[4], m[3], m[2], m[1]].map(Number).join('.');
    return net.isIPv4(ip) ? ip : undefined;
  }
  const v6 = /^((?:[0-9a-f]\.){32})ip6\.arpa$/.exec(name);
  if (!v6) return undefined;
  const hex = v6[1]!.split('.').filter(Boolean).reverse().join('');
  return formatIp6(BigInt(`0x${hex}`));
}

function shuffle<T>(items: T[]): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [a[i], a[j]] = [a[j] as T, a[i] as T];
  }
  return a;
}
