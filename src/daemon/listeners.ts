import type { Duplex } from 'node:stream';
import { chmod, lstat, mkdir, readFile, unlink } from 'node:fs/promises';
import type { Server } from 'node:http';
import { nodeHttp, nodeHttps } from '../base/node-http.js';
import { connect, isIP } from 'node:net';
import { dirname } from 'node:path';
import { invalidArgument, isErrno } from '../base/errors.js';
import type { ApiHandlers } from '../api/index.js';
import type { DaemonConfig } from './config.js';

export interface Listener {
  address: string;
  server: Server;
  /** Unix socket file to remove on shutdown. */
  socketPath?: string;
}

/** Parses `unix://path`, `tcp://host:port`, `fd://[n]` as dockerd's -H does. */
export function parseHost(spec: string, tls: boolean): { proto: 'unix' | 'tcp' | 'fd'; addr: string; port?: number } {
  const m = /^(unix|tcp|fd):\/\/(.*)$/.exec(spec);
  if (!m) {
    if (spec.startsWith('/')) return { proto: 'unix', addr: spec };
    throw invalidArgument(`invalid bind address format: ${spec}`);
  }
  const proto = m[1] as 'unix' | 'tcp' | 'fd';
  const rest = m[2]!;
  if (proto !== 'tcp') return { proto, addr: rest };
  const hp = /^(?:\[([^\]]+)\]|([^:/]*))(?::(\d+))?\/?$/.exec(rest);
  if (!hp) throw invalidArgument(`invalid bind address format: ${spec}`);
  const host = hp[1] ?? hp[2] ?? '';
  const port = hp[3] ? Number(hp[3]) : tls ? 2376 : 2375;
  if (port < 1 || port > 65535) throw invalidArgument(`invalid bind address format: ${spec}`);
  return { proto, addr: host || '0.0.0.0', port };
}

function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

/**
 * Refuses listener settings that can never work (a plain TCP listener off loopback), before the
 * daemon sets anything up on the host.
 */
export function checkListeners(cfg: DaemonConfig): void {
  for (const spec of cfg.hosts) {
    const h = parseHost(spec, cfg.tls);
    if (h.proto === 'tcp' && !cfg.tls && !isLoopback(h.addr)) throw plainTcpRefused(spec);
  }
}

function plainTcpRefused(spec: string): Error {
  return invalidArgument(
    `refusing to listen on ${spec} without TLS: anyone who can reach it would have root on this host. ` +
      `Use --tlsverify with --tlscacert, --tlscert and --tlskey, or a loopback address such as tcp://127.0.0.1:2375`,
  );
}

/** Starts every `-H` listener; a plain TCP listener off loopback is refused. */
export async function startListeners(cfg: DaemonConfig, api: ApiHandlers): Promise<Listener[]> {
  const listeners: Listener[] = [];
  const tlsOptions = cfg.tls ? await loadTls(cfg) : undefined;
  try {
    for (const spec of cfg.hosts) {
      const h = parseHost(spec, cfg.tls);
      if (h.proto === 'tcp') {
        if (!tlsOptions && !isLoopback(h.addr)) throw plainTcpRefused(spec);
        const server = tlsOptions ? nodeHttps().createServer({ ...tlsOptions, allowHalfOpen: true }) : nodeHttp.createServer();
        wire(server, api);
        await listen(server, { host: h.addr, port: h.port! });
        listeners.push({ address: spec, server });
      } else if (h.proto === 'unix') {
        const path = h.addr;
        await mkdir(dirname(path), { recursive: true, mode: 0o755 });
        await removeStaleSocket(path);
        const server = nodeHttp.createServer();
        wire(server, api);
        await listen(server, { path });
        await chmod(path, 0o660);
        listeners.push({ address: spec, server, socketPath: path });
      } else {
        for (const fd of activationFds(h.addr)) {
          const server = nodeHttp.createServer();
          wire(server, api);
          await listen(server, { fd });
          listeners.push({ address: `fd://${fd}`, server });
        }
      }
    }
  } catch (err) {
    await stopListeners(listeners);
    throw err;
  }
  return listeners;
}

/** Every connection, hijacked ones included (the HTTP server forgets those), so shutdown can end them. */
const openSockets = new WeakMap<Server, Set<Duplex>>();

function wire(server: Server, api: ApiHandlers): void {
  const sockets = new Set<Duplex>();
  openSockets.set(server, sockets);
  server.on('connection', (sock: Duplex) => {
    sockets.add(sock);
    sock.once('close', () => sockets.delete(sock));
  });
  server.on('request', api.request);
  server.on('upgrade', api.upgrade);
  // Long streams (events, logs -f, attach) must not be cut by Node's request timeouts.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  server.keepAliveTimeout = 5_000;
}

function listen(server: Server, opts: { host?: string; port?: number; path?: string; fd?: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** A socket file nobody answers on is a leftover of a crash; one that answers belongs to a live daemon. */
async function removeStaleSocket(path: string): Promise<void> {
  try {
    const st = await lstat(path);
    if (!st.isSocket()) throw invalidArgument(`${path} exists and is not a socket`);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return;
    throw err;
  }
  const alive = await new Promise<boolean>((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
  if (alive) throw invalidArgument(`${path} is in use by another daemon`);
  await unlink(path);
}

/** systemd socket activation: LISTEN_PID/LISTEN_FDS, fds from 3. */
function activationFds(which: string): number[] {
  const count = Number(process.env.LISTEN_FDS ?? 0);
  const pid = Number(process.env.LISTEN_PID ?? process.pid);
  if (!count || pid !== process.pid) throw invalidArgument('no sockets found via socket activation: make sure the service was started by systemd');
  const fds = Array.from({ length: count }, (_, i) => 3 + i);
  if (!which) return fds;
  const n = Number(which);
  if (!fds.includes(n)) throw invalidArgument(`too few socket activated files passed in by systemd: fd ${which} not found`);
  return [n];
}

async function loadTls(cfg: DaemonConfig): Promise<{ key: Buffer; cert: Buffer; ca?: Buffer; requestCert: boolean; rejectUnauthorized: boolean }> {
  if (!cfg.tlsCert || !cfg.tlsKey) throw invalidArgument('TLS needs --tlscert and --tlskey');
  if (cfg.tlsVerify && !cfg.tlsCaCert) throw invalidArgument('--tlsverify needs --tlscacert to verify clients');
  const read = (p: string): Promise<Buffer> => readFile(p).catch((err: Error) => { throw invalidArgument(`could not read TLS file ${p}: ${err.message}`); });
  return {
    key: await read(cfg.tlsKey),
    cert: await read(cfg.tlsCert),
    ...(cfg.tlsCaCert ? { ca: await read(cfg.tlsCaCert) } : {}),
    requestCert: cfg.tlsVerify,
    rejectUnauthorized: cfg.tlsVerify,
  };
}

export async function stopListeners(listeners: Listener[]): Promise<void> {
  await Promise.all(
    listeners.map(async (l) => {
      await new Promise<void>((resolve) => {
        l.server.close(() => resolve());
        l.server.closeAllConnections();
        for (const sock of openSockets.get(l.server) ?? []) sock.destroy();
      });
      if (l.socketPath) await unlink(l.socketPath).catch(() => {});
    }),
  );
}
