import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { candidates, formatAddr, HostLocalIpam, leaseRange, parseAddr, type LeaseRange } from './host-local.js';

const ips = (r: LeaseRange, last?: string): string[] => [...candidates(r, last === undefined ? undefined : parseAddr(last))].map((n) => formatAddr(r.family, n));

test('ranges as host-local canonicalizes them: network+1 to the address before broadcast', () => {
  const r = leaseRange({ subnet: '10.5.0.0/29', gateway: '10.5.0.1' });
  assert.deepEqual([formatAddr(4, r.start), formatAddr(4, r.end), r.prefixLen, r.text], ['10.5.0.1', '10.5.0.6', 29, '10.5.0.1-10.5.0.6']);
  const r6 = leaseRange({ subnet: '2001:db8::/126', gateway: '2001:db8::1' });
  assert.deepEqual([formatAddr(6, r6.start), formatAddr(6, r6.end)], ['2001:db8::1', '2001:db8::3']);
  const bounded = leaseRange({ subnet: '10.5.0.0/24', gateway: '10.5.0.1', rangeStart: '10.5.0.129', rangeEnd: '10.5.0.254' });
  assert.equal(bounded.text, '10.5.0.129-10.5.0.254');
});

test("host-local's search order: after the last reserved, wrapping, the gateway never", () => {
  const r = leaseRange({ subnet: '10.5.0.0/29', gateway: '10.5.0.1' });
  assert.deepEqual(ips(r), ['10.5.0.2', '10.5.0.3', '10.5.0.4', '10.5.0.5', '10.5.0.6']);
  assert.deepEqual(ips(r, '10.5.0.4'), ['10.5.0.5', '10.5.0.6', '10.5.0.2', '10.5.0.3', '10.5.0.4']);
  assert.deepEqual(ips(r, '10.5.0.6'), ['10.5.0.2', '10.5.0.3', '10.5.0.4', '10.5.0.5', '10.5.0.6']);
  // A last address outside the range (the range changed): from the start.
  assert.deepEqual(ips(r, '10.9.0.1'), ips(r));
  // A gateway inside an ip-range is skipped too.
  const mid = leaseRange({ subnet: '10.5.0.0/24', gateway: '10.5.0.9', rangeStart: '10.5.0.8', rangeEnd: '10.5.0.10' });
  assert.deepEqual(ips(mid), ['10.5.0.8', '10.5.0.10']);
  const r6 = leaseRange({ subnet: '2001:db8::/125', gateway: '2001:db8::1' });
  assert.deepEqual(ips(r6, '2001:db8::6'), ['2001:db8::7', '2001:db8::2', '2001:db8::3', '2001:db8::4', '2001:db8::5', '2001:db8::6']);
});

test('leases on disk in host-local\'s format; a lease already there (an older berth\'s) is skipped', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-ipam-'));
  try {
    const ipam = new HostLocalIpam(dir);
    const r4 = leaseRange({ subnet: '10.5.0.0/29', gateway: '10.5.0.1' });
    const r6 = leaseRange({ subnet: '2001:db8::/64', gateway: '2001:db8::1' });
    mkdirSync(join(dir, 'net1'));
    writeFileSync(join(dir, 'net1', '10.5.0.2'), 'old-container\r\neth0');
    const [a, b] = await ipam.allocate('net1', 'c1', 'eth0', [{ range: r4 }, { range: r6 }]);
    assert.equal(formatAddr(4, a!.ip), '10.5.0.3');
    assert.equal(formatAddr(6, b!.ip), '2001:db8::2');
    assert.equal(readFileSync(join(dir, 'net1', '10.5.0.3'), 'utf8'), 'c1\r\neth0');
    assert.equal(readFileSync(join(dir, 'net1', 'last_reserved_ip.0'), 'utf8'), '10.5.0.3');
    assert.equal(readFileSync(join(dir, 'net1', 'last_reserved_ip.1'), 'utf8'), '2001:db8::2');
    // Round robin: the next one after the last reserved even when a lower one is free again.
    await ipam.release('net1', 'c1', ['10.5.0.3', '2001:db8::2']);
    const [c] = await ipam.allocate('net1', 'c2', 'eth0', [{ range: r4 }]);
    assert.equal(formatAddr(4, c!.ip), '10.5.0.4');
    // Another container's lease is not released by mistake.
    await ipam.release('net1', 'c1', ['10.5.0.4']);
    assert.ok(readdirSync(join(dir, 'net1')).includes('10.5.0.4'));
    // Asked addresses: taken, the gateway, outside the range.
    await assert.rejects(ipam.allocate('net1', 'c3', 'eth0', [{ range: r4, requested: parseAddr('10.5.0.2') }]), /requested IP address 10\.5\.0\.2 is not available in range set 10\.5\.0\.1-10\.5\.0\.6/);
    await assert.rejects(ipam.allocate('net1', 'c3', 'eth0', [{ range: r4, requested: parseAddr('10.5.0.1') }]), /is subnet's gateway/);
    await assert.rejects(ipam.allocate('net1', 'c3', 'eth0', [{ range: r4, requested: parseAddr('10.5.0.7') }]), /failed to allocate all requested IPs/);
    // When the second set fails, the first set's lease is given back.
    await assert.rejects(ipam.allocate('net1', 'c3', 'eth0', [{ range: r4 }, { range: r6, requested: parseAddr('2001:db8::1') }]), /gateway/);
    assert.deepEqual(readdirSync(join(dir, 'net1')).filter((f) => /^10\./.test(f)).sort(), ['10.5.0.2', '10.5.0.4']);
    // ReleaseByID: every lease of the container's interface, found by content.
    await ipam.allocate('net1', 'c4', 'eth1', [{ range: r4 }, { range: r6 }]);
    await ipam.releaseAll('net1', 'c4', 'eth1');
    assert.deepEqual(readdirSync(join(dir, 'net1')).filter((f) => !f.startsWith('last_')).sort(), ['10.5.0.2', '10.5.0.4']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('concurrent allocations on one network never share an address; a full range says so', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-ipam-'));
  try {
    const ipam = new HostLocalIpam(dir);
    const r = leaseRange({ subnet: '10.6.0.0/28', gateway: '10.6.0.1' });
    const got = await Promise.all(Array.from({ length: 13 }, (_, i) => ipam.allocate('n', `c${i}`, 'eth0', [{ range: r }])));
    const addrs = got.map(([l]) => formatAddr(4, l!.ip));
    assert.equal(new Set(addrs).size, 13);
    await assert.rejects(ipam.allocate('n', 'late', 'eth0', [{ range: r }]), /no IP addresses available in range set: 10\.6\.0\.1-10\.6\.0\.14/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
