import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import { once } from 'node:events';
import * as net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { isBerthError } from '../base/errors.js';
import { PortProxy, ephemeralPortRange, pickEphemeralPort, type ProxySpec } from './port-proxy.js';

const LOOPBACK = '127.0.0.1';
const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const fn of cleanups.reverse()) await fn();
});

/** A fake container: on connect sends `greeting` (if any), echoes data, and on the client's FIN replies `bye` and ends. */
async function tcpContainer(greeting = ''): Promise<{ port: number; received: () => string }> {
  let received = '';
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    if (greeting !== '') s.write(greeting);
    s.on('data', (d: Buffer) => {
      received += d.toString();
      s.write(d);
    });
    s.on('end', () => s.end('bye'));
    s.on('error', () => s.destroy());
  });
  server.listen(0, LOOPBACK);
  await once(server, 'listening');
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  return { port: (server.address() as net.AddressInfo).port, received: () => received };
}

/** A fake UDP container: replies `echo:<msg>` and records each peer it saw. */
async function udpContainer(): Promise<{ port: number; peers: number[] }> {
  const socket = dgram.createSocket('udp4');
  const peers: number[] = [];
  socket.on('message', (msg, rinfo) => {
    peers.push(rinfo.port);
    socket.send(`echo:${msg.toString()}`, rinfo.port, rinfo.address);
  });
  socket.bind(0, LOOPBACK);
  await once(socket, 'listening');
  cleanups.push(() => new Promise<void>((r) => socket.close(r)));
  return { port: socket.address().port, peers };
}

async function openProxy(spec: Omit<ProxySpec, 'hostIp' | 'hostPort' | 'containerIp'>, udpIdleTimeoutMs?: number): Promise<PortProxy> {
  const proxy = await PortProxy.open({ hostIp: LOOPBACK, hostPort: 0, containerIp: LOOPBACK, ...spec }, { udpIdleTimeoutMs });
  cleanups.push(() => proxy.close());
  return proxy;
}

/** Connects half-open, sends `payload` then FIN, and collects everything until the proxy's FIN. */
async function tcpExchange(port: number, payload: string): Promise<string> {
  const sock = net.connect({ port, host: LOOPBACK, allowHalfOpen: true });
  let got = '';
  sock.on('data', (d: Buffer) => (got += d.toString()));
  await once(sock, 'connect');
  sock.end(payload);
  await once(sock, 'end');
  sock.destroy();
  return got;
}

async function udpClient(): Promise<dgram.Socket> {
  const socket = dgram.createSocket('udp4');
  socket.bind(0, LOOPBACK);
  await once(socket, 'listening');
  cleanups.push(() => new Promise<void>((r) => socket.close(r)));
  return socket;
}

async function udpAsk(client: dgram.Socket, port: number, msg: string): Promise<string> {
  const reply = once(client, 'message') as Promise<[Buffer, dgram.RemoteInfo]>;
  client.send(msg, port, LOOPBACK);
  const [buf, rinfo] = await reply;
  assert.equal(rinfo.port, port, 'replies come from the published port');
  return buf.toString();
}

test('tcp: forwards both ways and passes the client half-close through', async () => {
  const container = await tcpContainer();
  const proxy = await openProxy({ proto: 'tcp', containerPort: container.port });
  assert.notEqual(proxy.spec.hostPort, 0);
  assert.equal(proxy.spec.hostIp, LOOPBACK);
  // The container's 'bye' is only sent after it sees our FIN, and we only stop reading at its FIN.
  assert.equal(await tcpExchange(proxy.spec.hostPort, 'hello'), 'hellobye');
  assert.equal(container.received(), 'hello');
});

test('tcp: a container half-close leaves the client able to send', async () => {
  let fromClient = '';
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    s.end('greeting');
    s.on('data', (d: Buffer) => (fromClient += d.toString()));
  });
  server.listen(0, LOOPBACK);
  await once(server, 'listening');
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  const proxy = await openProxy({ proto: 'tcp', containerPort: (server.address() as net.AddressInfo).port });

  const sock = net.connect({ port: proxy.spec.hostPort, host: LOOPBACK, allowHalfOpen: true });
  let got = '';
  sock.on('data', (d: Buffer) => (got += d.toString()));
  await once(sock, 'end');
  assert.equal(got, 'greeting');
  sock.end('late words');
  await once(sock, 'close');
  for (let i = 0; i < 50 && fromClient === ''; i++) await sleep(10);
  assert.equal(fromClient, 'late words');
});

test('tcp: a refused container connection closes the client', async () => {
  const dead = net.createServer();
  dead.listen(0, LOOPBACK);
  await once(dead, 'listening');
  const deadPort = (dead.address() as net.AddressInfo).port;
  await new Promise<void>((r) => dead.close(() => r()));
  const proxy = await openProxy({ proto: 'tcp', containerPort: deadPort });

  const sock = net.connect({ port: proxy.spec.hostPort, host: LOOPBACK });
  let got = '';
  sock.on('data', (d: Buffer) => (got += d.toString()));
  sock.on('error', () => {});
  await once(sock, 'close');
  assert.equal(got, '');
});

test('tcp: close() stops listening and drops live connections', async () => {
  const container = await tcpContainer();
  const proxy = await openProxy({ proto: 'tcp', containerPort: container.port });
  const live = net.connect({ port: proxy.spec.hostPort, host: LOOPBACK });
  live.on('error', () => {});
  live.write('ping');
  await once(live, 'data');
  const closed = once(live, 'close');
  await proxy.close();
  await closed;
  await proxy.close(); // idempotent

  const late = net.connect({ port: proxy.spec.hostPort, host: LOOPBACK });
  const [err] = (await once(late, 'error')) as [NodeJS.ErrnoException];
  assert.equal(err.code, 'ECONNREFUSED');
});

test('tcp and udp: a taken host port is a Conflict worded like docker-proxy', async () => {
  const blocker = net.createServer();
  blocker.listen(0, '0.0.0.0');
  await once(blocker, 'listening');
  cleanups.push(() => new Promise<void>((r) => blocker.close(() => r())));
  const port = (blocker.address() as net.AddressInfo).port;
  await assert.rejects(
    PortProxy.open({ proto: 'tcp', hostIp: '', hostPort: port, containerIp: LOOPBACK, containerPort: 80 }),
    (e: unknown) => isBerthError(e, 'Conflict') && e.message === `listen tcp4 0.0.0.0:${port}: bind: address already in use`,
  );

  const udpBlocker = await udpClient();
  const udpPort = udpBlocker.address().port;
  await assert.rejects(
    PortProxy.open({ proto: 'udp', hostIp: LOOPBACK, hostPort: udpPort, containerIp: LOOPBACK, containerPort: 53 }),
    (e: unknown) => isBerthError(e, 'Conflict') && e.message === `listen udp4 127.0.0.1:${udpPort}: bind: address already in use`,
  );
});

test('invalid specs are InvalidArgument', async () => {
  const base: ProxySpec = { proto: 'tcp', hostIp: '', hostPort: 0, containerIp: LOOPBACK, containerPort: 80 };
  for (const bad of [{ containerIp: 'nope' }, { hostIp: '1.2.3' }, { hostPort: 70000 }, { containerPort: 0 }]) {
    await assert.rejects(PortProxy.open({ ...base, ...bad }), (e: unknown) => isBerthError(e, 'InvalidArgument'));
  }
});

test('udp: two clients each get their own flow and their own replies', async () => {
  const container = await udpContainer();
  const proxy = await openProxy({ proto: 'udp', containerPort: container.port });
  const [a, b] = [await udpClient(), await udpClient()];
  const [ra, rb] = await Promise.all([udpAsk(a, proxy.spec.hostPort, 'from-a'), udpAsk(b, proxy.spec.hostPort, 'from-b')]);
  assert.equal(ra, 'echo:from-a');
  assert.equal(rb, 'echo:from-b');
  assert.equal(await udpAsk(a, proxy.spec.hostPort, 'again-a'), 'echo:again-a');
  // Three datagrams, two flows: the container saw exactly two distinct peers.
  assert.equal(container.peers.length, 3);
  assert.equal(new Set(container.peers).size, 2);
});

test('udp: an idle flow is dropped and a new one opened on the next datagram', async () => {
  const container = await udpContainer();
  const proxy = await openProxy({ proto: 'udp', containerPort: container.port }, 100);
  const client = await udpClient();
  assert.equal(await udpAsk(client, proxy.spec.hostPort, 'one'), 'echo:one');
  assert.equal(await udpAsk(client, proxy.spec.hostPort, 'two'), 'echo:two');
  await sleep(300);
  assert.equal(await udpAsk(client, proxy.spec.hostPort, 'three'), 'echo:three');
  assert.equal(container.peers[0], container.peers[1], 'traffic within the timeout reuses the flow');
  assert.notEqual(container.peers[1], container.peers[2], 'after the timeout a new flow is used');
});

test('udp: close() releases the host port', async () => {
  const container = await udpContainer();
  const proxy = await openProxy({ proto: 'udp', containerPort: container.port });
  const client = await udpClient();
  assert.equal(await udpAsk(client, proxy.spec.hostPort, 'x'), 'echo:x');
  await proxy.close();
  const again = await PortProxy.open({ ...proxy.spec });
  await again.close();
});

test('pickEphemeralPort stays in the kernel range and skips taken and bound ports', async () => {
  const [lo, hi] = await ephemeralPortRange();
  const first = await pickEphemeralPort('tcp', LOOPBACK, new Set());
  assert.ok(first >= lo && first <= hi);

  // Leave only two candidates; bind one of them, so the other must be chosen.
  const second = await pickEphemeralPort('tcp', LOOPBACK, new Set([first]));
  const taken = new Set<number>();
  for (let p = lo; p <= hi; p++) if (p !== first && p !== second) taken.add(p);
  const blocker = net.createServer();
  blocker.listen(first, LOOPBACK);
  await once(blocker, 'listening');
  try {
    assert.equal(await pickEphemeralPort('tcp', LOOPBACK, taken), second);
  } finally {
    await new Promise<void>((r) => blocker.close(() => r()));
  }

  const udp = await pickEphemeralPort('udp', '', new Set());
  assert.ok(udp >= lo && udp <= hi);
  taken.add(first).add(second);
  await assert.rejects(pickEphemeralPort('udp', LOOPBACK, taken), (e: unknown) => isBerthError(e, 'Unavailable'));
});

test('hostPort 0 on all interfaces reports the bound port and 0.0.0.0', async () => {
  const container = await tcpContainer();
  const proxy = await PortProxy.open({ proto: 'tcp', hostIp: '', hostPort: 0, containerIp: LOOPBACK, containerPort: container.port });
  cleanups.push(() => proxy.close());
  assert.equal(proxy.spec.hostIp, '0.0.0.0');
  assert.equal(await tcpExchange(proxy.spec.hostPort, 'abc'), 'abcbye');
});
