/**
 * The userland proxy (Docker's `docker-proxy`) in-process: forwards a published host port to a
 * container's IP:port for traffic the NAT rules do not catch (loopback, hairpin), and holds the
 * host port so nothing else can bind it while the container publishes it.
 */
import { randomInt } from '../base/crypto.js';
import * as dgram from 'node:dgram';
import type { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import * as net from 'node:net';
import { getSystemErrorMap } from 'node:util';
import { BerthError, invalidArgument, isErrno } from '../base/errors.js';
import { silentLogger, type Logger } from '../base/log.js';

/** One published port. */
export interface ProxySpec {
  proto: 'tcp' | 'udp';
  /** '' or '0.0.0.0' = all IPv4 addresses; an IPv6 address listens IPv6-only, as Go's `tcp6` does. */
  hostIp: string;
  /** 0 = let the kernel pick from its ephemeral range. */
  hostPort: number;
  containerIp: string;
  containerPort: number;
}

export interface PortProxyOptions {
  /** Idle time after which a UDP client flow is dropped; defaults to `UDP_CONNTRACK_TIMEOUT_MS`. */
  udpIdleTimeoutMs?: number;
  logger?: Logger;
}

/** Docker's `UDPConnTrackTimeout`: a UDP flow without traffic for this long is forgotten. */
export const UDP_CONNTRACK_TIMEOUT_MS = 90_000;

/** Linux's default `ip_local_port_range`, used where the sysctl cannot be read. */
const DEFAULT_EPHEMERAL_RANGE: [number, number] = [32768, 60999];

/** Go sets TCP_NODELAY and a 15 s keep-alive on every connection; docker-proxy users rely on both. */
const TCP_SOCKET_OPTIONS = { allowHalfOpen: true, noDelay: true, keepAlive: true, keepAliveInitialDelay: 15_000 };

interface Forwarder {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * A running forwarder for one published port. `open` binds the host port (failing with a
 * `Conflict` BerthError when it is taken) and forwards until `close`, which releases the port and
 * drops every live connection or flow. `close` is idempotent.
 */
export class PortProxy {
  /** The spec as bound: `hostIp` '' becomes '0.0.0.0' and `hostPort` 0 the port actually bound. */
  readonly spec: Readonly<ProxySpec>;
  readonly #forwarder: Forwarder;
  #closed: Promise<void> | undefined;

  private constructor(spec: ProxySpec, forwarder: Forwarder) {
    this.spec = Object.freeze(spec);
    this.#forwarder = forwarder;
  }

  static async open(spec: ProxySpec, options: PortProxyOptions = {}): Promise<PortProxy> {
    validateSpec(spec);
    const bound = { ...spec, hostIp: spec.hostIp === '' ? '0.0.0.0' : spec.hostIp };
    const log = options.logger ?? silentLogger;
    const forwarder =
      spec.proto === 'tcp'
        ? await TcpForwarder.open(bound, log)
        : await UdpForwarder.open(bound, options.udpIdleTimeoutMs ?? UDP_CONNTRACK_TIMEOUT_MS, log);
    return new PortProxy({ ...bound, hostPort: forwarder.port }, forwarder);
  }

  close(): Promise<void> {
    this.#closed ??= this.#forwarder.close();
    return this.#closed;
  }
}

function validateSpec(spec: ProxySpec): void {
  const isPort = (p: number, min: number): boolean => Number.isInteger(p) && p >= min && p <= 65535;
  if (spec.proto !== 'tcp' && spec.proto !== 'udp') throw invalidArgument(`invalid proto: ${String(spec.proto)}`);
  if (spec.hostIp !== '' && net.isIP(spec.hostIp) === 0) throw invalidArgument(`invalid host IP: ${spec.hostIp}`);
  if (!isPort(spec.hostPort, 0)) throw invalidArgument(`invalid host port: ${spec.hostPort}`);
  if (net.isIP(spec.containerIp) === 0) throw invalidArgument(`invalid container IP: ${spec.containerIp}`);
  if (!isPort(spec.containerPort, 1)) throw invalidArgument(`invalid container port: ${spec.containerPort}`);
}

class TcpForwarder implements Forwarder {
  readonly #conns = new Set<net.Socket>();

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  static async open(spec: ProxySpec, log: Logger): Promise<TcpForwarder> {
    const server = await bindTcp(spec.hostIp, spec.hostPort);
    const forwarder = new TcpForwarder(server, (server.address() as net.AddressInfo).port);
    server.on('connection', (client: net.Socket) => forwarder.#forward(client, spec, log));
    // Accept errors (EMFILE) land here; without a listener they would crash the daemon.
    server.on('error', (err) => log.warn('port proxy: accept failed', { port: forwarder.port, err }));
    return forwarder;
  }

  #forward(client: net.Socket, spec: ProxySpec, log: Logger): void {
    const upstream = net.connect({ host: spec.containerIp, port: spec.containerPort, ...TCP_SOCKET_OPTIONS });
    for (const s of [client, upstream]) {
      this.#conns.add(s);
      s.once('close', () => this.#conns.delete(s));
      // A reset, or a refused container connection, ends both sides at once.
      s.on('error', (err) => {
        log.debug('port proxy: connection failed', { container: `${spec.containerIp}:${spec.containerPort}`, err });
        client.destroy();
        upstream.destroy();
      });
    }
    // pipe() ends the destination when the source ends, which passes a half-close (FIN) through
    // while the other direction keeps flowing: both sockets allow half-open connections.
    client.pipe(upstream);
    upstream.pipe(client);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      for (const s of this.#conns) s.destroy();
    });
  }
}

interface UdpFlow {
  readonly socket: dgram.Socket;
  readonly timer: NodeJS.Timeout;
  /** Datagrams that arrived before the container-side socket finished connecting. */
  pending: Buffer[] | undefined;
}

/**
 * One host socket; per client address a socket connected to the container, so replies find their
 * way back and the container sees one peer per client, as with docker-proxy.
 */
class UdpForwarder implements Forwarder {
  readonly #flows = new Map<string, UdpFlow>();

  private constructor(
    private readonly host: dgram.Socket,
    readonly port: number,
    private readonly spec: ProxySpec,
    private readonly idleMs: number,
    private readonly log: Logger,
  ) {}

  static async open(spec: ProxySpec, idleMs: number, log: Logger): Promise<UdpForwarder> {
    const host = await bindUdp(spec.hostIp, spec.hostPort);
    const forwarder = new UdpForwarder(host, host.address().port, spec, idleMs, log);
    host.on('message', (msg, rinfo) => forwarder.#fromClient(msg, rinfo));
    host.on('error', (err) => log.warn('port proxy: udp socket error', { port: forwarder.port, err }));
    return forwarder;
  }

  #fromClient(msg: Buffer, client: dgram.RemoteInfo): void {
    const key = `${client.address}|${client.port}`;
    const flow = this.#flows.get(key) ?? this.#openFlow(key, client);
    flow.timer.refresh();
    if (flow.pending !== undefined) flow.pending.push(msg);
    else flow.socket.send(msg);
  }

  #openFlow(key: string, client: dgram.RemoteInfo): UdpFlow {
    const { containerIp, containerPort } = this.spec;
    const socket = dgram.createSocket(net.isIPv6(containerIp) ? 'udp6' : 'udp4');
    const flow: UdpFlow = { socket, pending: [], timer: setTimeout(() => this.#drop(key), this.idleMs).unref() };
    this.#flows.set(key, flow);
    socket.on('message', (reply) => {
      flow.timer.refresh();
      this.host.send(reply, client.port, client.address);
    });
    socket.on('error', (err) => {
      // ICMP port-unreachable surfaces as ECONNREFUSED on a connected socket; docker-proxy keeps
      // the flow so a container that starts listening later still gets the next datagram.
      if (isErrno(err, 'ECONNREFUSED')) return;
      this.log.debug('port proxy: udp flow failed', { client: key, err });
      this.#drop(key);
    });
    socket.connect(containerPort, containerIp, () => {
      if (this.#flows.get(key) !== flow) return;
      const queued = flow.pending ?? [];
      flow.pending = undefined;
      for (const m of queued) socket.send(m);
    });
    return flow;
  }

  #drop(key: string): void {
    const flow = this.#flows.get(key);
    if (flow === undefined) return;
    this.#flows.delete(key);
    clearTimeout(flow.timer);
    flow.socket.close();
  }

  close(): Promise<void> {
    for (const key of [...this.#flows.keys()]) this.#drop(key);
    return new Promise((resolve) => this.host.close(resolve));
  }
}

/**
 * Picks a free host port for `proto` from the kernel's ephemeral range, starting at a random
 * candidate and wrapping, skipping `taken` and any port that cannot be bound right now on every
 * one of `hostIps` (0.0.0.0 and :: share a port, as moby 28 gives them). The port is released
 * again before returning, so the caller must still handle a lost race on bind.
 */
export async function pickEphemeralPort(proto: 'tcp' | 'udp', hostIps: string | string[], taken: Set<number>): Promise<number> {
  const [lo, hi] = await ephemeralPortRange();
  const size = hi - lo + 1;
  const start = randomInt(size);
  const ips = (Array.isArray(hostIps) ? hostIps : [hostIps]).map((ip) => (ip === '' ? '0.0.0.0' : ip));
  for (let i = 0; i < size; i++) {
    const port = lo + ((start + i) % size);
    if (taken.has(port)) continue;
    if (await bindsOnAll(proto, ips, port)) return port;
  }
  throw new BerthError('Unavailable', `all ports are allocated (${proto} ${lo}-${hi})`);
}

async function bindsOnAll(proto: 'tcp' | 'udp', ips: string[], port: number): Promise<boolean> {
  const held: (() => Promise<void>)[] = [];
  try {
    for (const ip of ips) {
      if (proto === 'tcp') {
        const s = await bindTcp(ip, port);
        held.push(() => closeServer(s));
      } else {
        const s = await bindUdp(ip, port);
        held.push(() => closeSocket(s));
      }
    }
    return true;
  } catch (err) {
    if (!(err instanceof BerthError && err.kind === 'Conflict')) throw err;
    return false;
  } finally {
    for (const release of held) await release();
  }
}

/** The kernel's ephemeral port range (`net.ipv4.ip_local_port_range`), inclusive. */
export async function ephemeralPortRange(): Promise<[number, number]> {
  let text: string;
  try {
    text = await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8');
  } catch {
    return DEFAULT_EPHEMERAL_RANGE;
  }
  const [lo, hi] = text.trim().split(/\s+/).map(Number);
  const valid = lo !== undefined && hi !== undefined && Number.isInteger(lo) && Number.isInteger(hi) && lo >= 1 && lo <= hi && hi <= 65535;
  return valid ? [lo, hi] : DEFAULT_EPHEMERAL_RANGE;
}

async function bindTcp(hostIp: string, port: number): Promise<net.Server> {
  const server = net.createServer(TCP_SOCKET_OPTIONS);
  const ipv6Only = net.isIPv6(hostIp);
  await once(server, 'listening', () => server.listen({ host: hostIp, port, ipv6Only }), (err) => bindError('tcp', hostIp, port, err));
  return server;
}

async function bindUdp(hostIp: string, port: number): Promise<dgram.Socket> {
  const v6 = net.isIPv6(hostIp);
  const socket = dgram.createSocket({ type: v6 ? 'udp6' : 'udp4', ipv6Only: v6 });
  try {
    await once(socket, 'listening', () => socket.bind({ address: hostIp, port }), (err) => bindError('udp', hostIp, port, err));
  } catch (err) {
    socket.close();
    throw err;
  }
  return socket;
}

/** Starts an operation and waits for its success event or its first 'error'. */
function once(emitter: EventEmitter, event: string, start: () => void, mapError: (err: unknown) => Error): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: unknown): void => {
      emitter.off(event, onEvent);
      reject(mapError(err));
    };
    const onEvent = (): void => {
      emitter.off('error', onError);
      resolve();
    };
    emitter.once('error', onError);
    emitter.once(event, onEvent);
    start();
  });
}

/** Go's strerror wording, so messages read like docker-proxy's (`bind: address already in use`). */
const GO_ERRNO_TEXT: Record<string, string> = {
  EADDRINUSE: 'address already in use',
  EADDRNOTAVAIL: 'cannot assign requested address',
  EACCES: 'permission denied',
};

/** Builds docker-proxy's bind error: `listen tcp4 0.0.0.0:8080: bind: address already in use`. */
function bindError(proto: 'tcp' | 'udp', hostIp: string, port: number, err: unknown): BerthError {
  const v6 = net.isIPv6(hostIp);
  const address = v6 ? `[${hostIp}]:${port}` : `${hostIp}:${port}`;
  const e = err as NodeJS.ErrnoException;
  const code = e.code ?? '';
  const reason = GO_ERRNO_TEXT[code] ?? (e.errno !== undefined ? getSystemErrorMap().get(e.errno)?.[1] : undefined) ?? e.message;
  const kind = code === 'EADDRINUSE' ? 'Conflict' : code === 'EACCES' ? 'Forbidden' : code === 'EADDRNOTAVAIL' ? 'InvalidArgument' : 'Internal';
  return new BerthError(kind, `listen ${proto}${v6 ? '6' : '4'} ${address}: bind: ${reason}`, { cause: err });
}

function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

function closeSocket(socket: dgram.Socket): Promise<void> {
  return new Promise((resolve) => socket.close(resolve));
}
