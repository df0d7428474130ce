import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { once } from 'node:events';
import * as dnsPacket from 'dns-packet';
import type { DecodedPacket, Packet, RecordType } from 'dns-packet';
import { silentLogger } from '../base/log.js';
import { EmbeddedDns, parseUpstream, type DnsRecordSource } from './dns-server.js';

const HOST = '127.0.0.1';

/** A mutable fake of the daemon's records; `calls` shows what the resolver asked for. */
class FakeSource implements DnsRecordSource {
  names = new Map<string, string[]>();
  ptrs = new Map<string, string>();
  ups: string[] = [];
  calls: string[] = [];
  clients = new Set<string>();
  lookup(listenAddress: string, name: string, clientIp: string): string[] {
    this.calls.push(`lookup ${listenAddress} ${name}`);
    this.clients.add(clientIp);
    return this.names.get(name) ?? [];
  }
  reverse(listenAddress: string, ip: string, clientIp: string): string | undefined {
    this.calls.push(`reverse ${listenAddress} ${ip}`);
    this.clients.add(clientIp);
    return this.ptrs.get(ip);
  }
  upstreams(): string[] {
    return this.ups;
  }
}

function query(name: string, type: RecordType = 'A', extra: Partial<Packet> = {}): Buffer {
  return dnsPacket.encode({ type: 'query', id: 4242, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type, class: 'IN' }], ...extra });
}

/** The answer section's data, as strings where dns-packet decodes them so. */
function data(p: DecodedPacket | undefined): unknown[] | undefined {
  return p?.answers?.map((a) => ('data' in a ? a.data : undefined));
}

function rcode(p: DecodedPacket): string {
  return (p as DecodedPacket & { rcode: string }).rcode;
}

/** Sends one datagram; resolves with the decoded reply, or undefined after `waitMs` of silence. */
async function udpAsk(port: number, msg: Buffer, waitMs = 2000): Promise<DecodedPacket | undefined> {
  const sock = dgram.createSocket('udp4');
  try {
    const reply = new Promise<Buffer>((resolve) => sock.once('message', resolve));
    sock.send(msg, port, HOST);
    const timeout = new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), waitMs).unref());
    const got = await Promise.race([reply, timeout]);
    return got === undefined ? undefined : dnsPacket.decode(got);
  } finally {
    sock.close();
  }
}

/** Opens a TCP connection, sends framed messages, returns the decoded replies in order received. */
async function tcpAsk(port: number, msgs: Buffer[]): Promise<DecodedPacket[]> {
  const sock = net.connect(port, HOST);
  await once(sock, 'connect');
  sock.write(Buffer.concat(msgs.map((m) => Buffer.concat([Buffer.from([m.length >> 8, m.length & 0xff]), m]))));
  const out: DecodedPacket[] = [];
  let buf: Buffer = Buffer.alloc(0);
  for await (const chunk of sock) {
    buf = Buffer.concat([buf, chunk as Buffer]);
    while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
      out.push(dnsPacket.decode(buf.subarray(2, 2 + buf.readUInt16BE(0))));
      buf = buf.subarray(2 + buf.readUInt16BE(0));
    }
    if (out.length === msgs.length) break;
  }
  sock.destroy();
  return out;
}

/**
 * An upstream server on UDP and TCP (same port) answering `A 9.9.9.9` for everything, or with
 * `rcodeFlags` / `truncate` when set. `ids` records the IDs it was sent.
 */
class FakeUpstream {
  udp = dgram.createSocket('udp4');
  tcp = net.createServer();
  port = 0;
  udpQueries = 0;
  tcpQueries = 0;
  rcodeFlags = 0;
  truncate = false;
  ids: number[] = [];

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.udp.bind(0, HOST, resolve));
    this.port = this.udp.address().port;
    await new Promise<void>((resolve, reject) => {
      this.tcp.once('error', reject);
      this.tcp.listen(this.port, HOST, resolve);
    });
    this.udp.on('message', (msg, rinfo) => {
      this.udpQueries++;
      this.udp.send(this.answer(msg), rinfo.port, rinfo.address);
    });
    this.tcp.on('connection', (sock) => {
      sock.once('data', (chunk: Buffer) => {
        this.tcpQueries++;
        const resp = this.answer(chunk.subarray(2));
        sock.end(Buffer.concat([Buffer.from([resp.length >> 8, resp.length & 0xff]), resp]));
      });
    });
  }

  private answer(msg: Buffer): Buffer {
    const q = dnsPacket.decode(msg);
    this.ids.push(q.id ?? -1);
    let flags = dnsPacket.RECURSION_AVAILABLE | this.rcodeFlags;
    if (this.truncate) flags |= dnsPacket.TRUNCATED_RESPONSE;
    const answers = this.rcodeFlags || this.truncate ? [] : [{ name: q.questions?.[0]?.name ?? '', type: 'A' as const, ttl: 30, data: '9.9.9.9' }];
    return dnsPacket.encode({ type: 'response', id: q.id, flags, questions: q.questions, answers });
  }

  async stop(): Promise<void> {
    this.udp.close();
    await new Promise((resolve) => this.tcp.close(resolve));
  }
}

/** A UDP port that swallows queries (a dead upstream that times out). */
async function blackhole(): Promise<dgram.Socket> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => sock.bind(0, HOST, resolve));
  return sock;
}

describe('EmbeddedDns', () => {
  const source = new FakeSource();
  const dns = new EmbeddedDns(source, silentLogger, { port: 0, upstreamTimeoutMs: 300 });
  const upstream = new FakeUpstream();
  let port = 0;

  before(async () => {
    await dns.listen(HOST);
    port = (await dns.boundPort(HOST)) ?? 0;
    await upstream.start();
    source.names.set('web', ['10.0.0.2', '10.0.0.3']);
    source.ptrs.set('10.0.0.2', 'web.mynet');
  });

  after(async () => {
    await dns.close();
    await upstream.stop();
  });

  test('A over UDP: every address, TTL 600, RA on, AA off, ID and question echoed', async () => {
    const r = await udpAsk(port, query('web'));
    assert.ok(r);
    assert.equal(r.id, 4242);
    assert.equal(r.type, 'response');
    assert.equal(rcode(r), 'NOERROR');
    assert.equal(r.flag_aa, false);
    assert.equal(r.flag_ra, true);
    assert.equal(r.flag_rd, true);
    assert.deepEqual(r.questions, [{ name: 'web', type: 'A', class: 'IN' }]);
    assert.deepEqual(data(r)?.sort(), ['10.0.0.2', '10.0.0.3']);
    for (const a of r.answers ?? []) assert.equal(a.type === 'OPT' ? 0 : a.ttl, 600);
    assert.ok(source.calls.includes(`lookup ${HOST} web`));
  });

  test('A over TCP: several queries on one connection', async () => {
    const replies = await tcpAsk(port, [query('web'), query('WEB', 'A', { id: 7 })]);
    assert.equal(replies.length, 2);
    assert.deepEqual(replies.map((r) => r.id).sort((a = 0, b = 0) => a - b), [7, 4242]);
    for (const r of replies) assert.deepEqual(data(r)?.sort(), ['10.0.0.2', '10.0.0.3']);
  });

  test('names match case-insensitively, with or without the trailing dot', async () => {
    source.calls = [];
    const r = await udpAsk(port, query('WeB.'));
    assert.deepEqual(data(r)?.sort(), ['10.0.0.2', '10.0.0.3']);
    assert.equal(r?.answers?.[0]?.name, 'WeB', 'the answer repeats the name as asked');
    assert.deepEqual(source.calls, [`lookup ${HOST} web`]);
  });

  test('AAAA for a known name: NOERROR without answers, not forwarded', async () => {
    source.ups = [`${HOST}:${upstream.port}`];
    const before = upstream.udpQueries;
    const r = await udpAsk(port, query('web', 'AAAA'));
    assert.equal(rcode(r!), 'NOERROR');
    assert.deepEqual(r?.answers, []);
    assert.equal(upstream.udpQueries, before);
  });

  test('a dual-stack name: A gives its IPv4 address, AAAA its IPv6 one; the client address reaches the source', async () => {
    source.names.set('dual', ['10.0.0.4', '2001:db8::4']);
    source.clients.clear();
    assert.deepEqual(data(await udpAsk(port, query('dual'))), ['10.0.0.4']);
    const r = await udpAsk(port, query('dual', 'AAAA'));
    assert.deepEqual(r?.answers?.map((a) => a.type), ['AAAA']);
    assert.deepEqual(data(r), ['2001:db8::4']);
    assert.deepEqual([...source.clients], [HOST]);
    source.ptrs.set('2001:db8::4', 'dual.mynet');
    const ptr = await udpAsk(port, query(`${'4.0.0.0.'}${'0.0.0.0.'.repeat(5)}8.b.d.0.1.0.0.2.ip6.arpa`, 'PTR'));
    assert.deepEqual(data(ptr), ['dual.mynet']);
    assert.ok(source.calls.includes(`reverse ${HOST} 2001:db8::4`));
    source.names.delete('dual');
  });

  test('PTR for a known address answers its name with a trailing dot; unknown ones go upstream', async () => {
    source.ups = [`${HOST}:${upstream.port}`];
    const r = await udpAsk(port, query('2.0.0.10.in-addr.arpa', 'PTR'));
    assert.deepEqual(r?.answers?.map((a) => [a.type, a.name]), [['PTR', '2.0.0.10.in-addr.arpa']]);
    assert.deepEqual(data(r), ['web.mynet']);
    assert.ok(source.calls.includes(`reverse ${HOST} 10.0.0.2`));
    const before = upstream.udpQueries;
    await udpAsk(port, query('9.0.0.10.in-addr.arpa', 'PTR'));
    assert.equal(upstream.udpQueries, before + 1);
  });

  test('unknown names are forwarded over UDP and relayed with the client ID', async () => {
    source.ups = [`${HOST}:${upstream.port}`];
    const r = await udpAsk(port, query('example.com', 'A', { id: 999 }));
    assert.equal(r?.id, 999);
    assert.deepEqual(data(r), ['9.9.9.9']);
    assert.equal(upstream.ids.length > 0, true);
  });

  test('TCP queries are forwarded over TCP', async () => {
    source.ups = [`${HOST}:${upstream.port}`];
    const before = upstream.tcpQueries;
    const [r] = await tcpAsk(port, [query('example.org', 'TXT', { id: 31 })]);
    assert.equal(r?.id, 31);
    assert.deepEqual(data(r), ['9.9.9.9']);
    assert.equal(upstream.tcpQueries, before + 1);
  });

  test('a dead first upstream is skipped after the timeout; SERVFAIL/REFUSED move on too', async () => {
    const dead = await blackhole();
    const refusing = new FakeUpstream();
    await refusing.start();
    refusing.rcodeFlags = 5; // REFUSED
    try {
      source.ups = [`${HOST}:${dead.address().port}`, `${HOST}:${refusing.port}`, `${HOST}:${upstream.port}`];
      const r = await udpAsk(port, query('example.net'));
      assert.deepEqual(data(r), ['9.9.9.9']);
      assert.equal(refusing.udpQueries, 1);
    } finally {
      dead.close();
      await refusing.stop();
    }
  });

  test('truncated upstream answers are passed back as they are', async () => {
    const trunc = new FakeUpstream();
    await trunc.start();
    trunc.truncate = true;
    try {
      source.ups = [`${HOST}:${trunc.port}`, `${HOST}:${upstream.port}`];
      const r = await udpAsk(port, query('big.example'));
      assert.equal(r?.flag_tc, true);
      assert.equal(r?.id, 4242);
    } finally {
      await trunc.stop();
    }
  });

  test('SERVFAIL without upstreams, with unreachable ones, and for a loop to itself', async () => {
    source.ups = [];
    assert.equal(rcode((await udpAsk(port, query('nowhere')))!), 'SERVFAIL');

    const dead = await blackhole();
    const closedPort = (await blackhole().then((s) => [s.address().port, s.close()]))[0] as number;
    try {
      source.ups = [`${HOST}:${dead.address().port}`, `${HOST}:${closedPort}`];
      const started = Date.now();
      const r = await udpAsk(port, query('nowhere', 'A', { id: 77 }));
      assert.equal(r?.id, 77);
      assert.equal(rcode(r!), 'SERVFAIL');
      assert.ok(Date.now() - started < 1500, 'one timeout, then a fast refusal');
    } finally {
      dead.close();
    }

    source.ups = [`${HOST}:${port}`];
    const [t] = await tcpAsk(port, [query('loop.example')]);
    assert.equal(rcode(t!), 'SERVFAIL');
  });

  test('local answers that do not fit 512 bytes are truncated with TC on UDP, whole on TCP', async () => {
    const many = Array.from({ length: 100 }, (_, i) => `10.1.0.${i + 1}`);
    source.names.set('crowd', many);
    const r = await udpAsk(port, query('crowd'));
    assert.equal(r?.flag_tc, true);
    assert.ok((r?.answers?.length ?? 0) > 0 && (r?.answers?.length ?? 0) < 100);
    const big = await udpAsk(port, query('crowd', 'A', { additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 4096, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }] }));
    assert.equal(big?.flag_tc, false);
    assert.equal(big?.answers?.length, 100);
    const [t] = await tcpAsk(port, [query('crowd')]);
    assert.equal(t?.flag_tc, false);
    assert.equal(t?.answers?.length, 100);
  });

  test('malformed input is dropped (UDP) or closes the connection (TCP), and service goes on', async () => {
    assert.equal(await udpAsk(port, Buffer.from('not dns at all'), 300), undefined);
    const lying = query('web');
    lying.writeUInt16BE(40, 4); // claims 40 questions
    assert.equal(await udpAsk(port, lying, 300), undefined);
    const response = dnsPacket.encode({ type: 'response', id: 1, questions: [{ name: 'web', type: 'A' }] });
    assert.equal(await udpAsk(port, response, 300), undefined);
    assert.equal(await udpAsk(port, Buffer.alloc(0), 300), undefined);

    const sock = net.connect(port, HOST);
    await once(sock, 'connect');
    sock.write(Buffer.from([0, 5, 1, 2, 3, 4, 5]));
    const closed = await Promise.race([once(sock, 'close').then(() => true), new Promise((r) => setTimeout(() => r(false), 2000))]);
    assert.equal(closed, true);

    const r = await udpAsk(port, query('web'));
    assert.equal(r?.answers?.length, 2);
  });

  test('other opcodes get NOTIMP and several questions FORMERR', async () => {
    const notify = query('web');
    notify.writeUInt16BE(notify.readUInt16BE(2) | (4 << 11), 2);
    assert.equal(rcode((await udpAsk(port, notify))!), 'NOTIMP');
    const two = dnsPacket.encode({ type: 'query', id: 5, questions: [{ name: 'a', type: 'A' }, { name: 'b', type: 'A' }] });
    assert.equal(rcode((await udpAsk(port, two))!), 'FORMERR');
  });
});

describe('EmbeddedDns lifecycle', () => {
  test('listen is idempotent, unlisten stops answering, close releases everything', async () => {
    const source = new FakeSource();
    source.names.set('db', ['10.0.0.9']);
    const dns = new EmbeddedDns(source, silentLogger, { port: 0 });
    await Promise.all([dns.listen(HOST), dns.listen(HOST)]);
    const port = (await dns.boundPort(HOST)) ?? 0;
    await dns.listen(HOST);
    assert.equal(await dns.boundPort(HOST), port);
    assert.deepEqual(data(await udpAsk(port, query('db'))), ['10.0.0.9']);
    await dns.unlisten(HOST);
    assert.equal(await dns.boundPort(HOST), undefined);
    assert.equal(await udpAsk(port, query('db'), 300), undefined);
    await dns.listen(HOST);
    await dns.close();
    await dns.close();
  });

  test('listen fails clearly when the address cannot be bound', async () => {
    const dns = new EmbeddedDns(new FakeSource(), silentLogger, { port: 0 });
    // 192.0.2.1 (TEST-NET-1) is not on this host.
    await assert.rejects(dns.listen('192.0.2.1'), /embedded DNS: cannot listen on udp 192\.0\.2\.1:0: .*EADDRNOTAVAIL/);
    await assert.rejects(dns.listen('not-an-ip'), /invalid listen address/);

    const busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, HOST, resolve));
    const port = (busy.address() as net.AddressInfo).port;
    const fixed = new EmbeddedDns(new FakeSource(), silentLogger, { port });
    try {
      await assert.rejects(fixed.listen(HOST), new RegExp(`cannot listen on tcp 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`));
      // The UDP half was released: a retry fails the same way, not on UDP.
      await assert.rejects(fixed.listen(HOST), /cannot listen on tcp/);
    } finally {
      await fixed.close();
      await new Promise((resolve) => busy.close(resolve));
    }
  });
});

test('upstream specs: ip, ip:port, [v6]:port; garbage is refused', () => {
  assert.deepEqual(parseUpstream('8.8.8.8'), { host: '8.8.8.8', port: 53, family: 4 });
  assert.deepEqual(parseUpstream('10.0.0.1:5353'), { host: '10.0.0.1', port: 5353, family: 4 });
  assert.deepEqual(parseUpstream('2001:db8::1'), { host: '2001:db8::1', port: 53, family: 6 });
  assert.deepEqual(parseUpstream('[2001:db8::1]:54'), { host: '2001:db8::1', port: 54, family: 6 });
  assert.equal(parseUpstream('dns.example:53'), undefined);
  assert.equal(parseUpstream('1.2.3.4:99999'), undefined);
  assert.equal(parseUpstream(''), undefined);
});
