/**
 * IPAM on the CNI host-local plugin's on-disk format, in-process: leases made by an older berth
 * (which ran host-local) stay valid, and leases made here read the same to it. A lease is the
 * file `<dir>/<ip>` holding `<containerId>\r\n<ifname>`, made with an exclusive create (the
 * create is the truth: whoever makes the file has the address); `last_reserved_ip.<set>` holds
 * the address a range set gave last, and the next search starts after it, wrapping
 * (host-local's round robin: a crash-looping container does not get the same address at once).
 */
import { mkdir, open, readdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { isIPv4 } from 'node:net';
import { join } from 'node:path';
import { isErrno } from '../base/errors.js';
import { KeyedMutex } from '../base/lock.js';
import type { HostLocalRange } from './cni-plugins.js';
import { formatIp6, lastAddr6, parseCidr6, parseIp6 } from './ip6.js';
import { broadcast, formatIp, parseCidr, parseIp } from './subnet.js';

const LINE_BREAK = '\r\n';
const LAST_RESERVED = 'last_reserved_ip.';

/** One range, as host-local canonicalizes it: bounds inclusive, numbers of the family. */
export interface LeaseRange {
  family: 4 | 6;
  prefixLen: number;
  start: bigint;
  end: bigint;
  gateway: bigint;
  /** What host-local prints for the set in its errors. */
  text: string;
}

export function parseAddr(s: string): bigint {
  return isIPv4(s) ? BigInt(parseIp(s)) : parseIp6(s);
}

/** Go's `net.IP.String`: the lease file's name. */
export function formatAddr(family: 4 | 6, n: bigint): string {
  return family === 4 ? formatIp(Number(n)) : formatIp6(n);
}

/** host-local's `Range.Canonicalize`: start defaults to network+1, end to the last address (IPv4: before broadcast). */
export function leaseRange(r: HostLocalRange): LeaseRange {
  const v4 = isIPv4(r.subnet.split('/')[0]!);
  const family = v4 ? 4 : 6;
  let network: bigint;
  let last: bigint;
  let prefixLen: number;
  if (v4) {
    const c = parseCidr(r.subnet);
    network = BigInt(c.network);
    last = BigInt(broadcast(c)) - 1n;
    prefixLen = c.prefix;
  } else {
    const c = parseCidr6(r.subnet);
    network = c.network;
    last = lastAddr6(c);
    prefixLen = c.prefix;
  }
  const start = r.rangeStart ? parseAddr(r.rangeStart) : network + 1n;
  const end = r.rangeEnd ? parseAddr(r.rangeEnd) : last;
  const gateway = r.gateway ? parseAddr(r.gateway) : network + 1n;
  return { family, prefixLen, start, end, gateway, text: `${formatAddr(family, start)}-${formatAddr(family, end)}` };
}

/**
 * host-local's `RangeIter` over one range: from the address after `last` when the range holds
 * it (wrapping from the end to the start, `last` itself tried last), else from the start; the
 * gateway is never a candidate.
 */
export function* candidates(r: LeaseRange, last: bigint | undefined): Generator<bigint> {
  const size = r.end - r.start + 1n;
  if (size <= 0n) return;
  const from = last !== undefined && last >= r.start && last <= r.end ? (last === r.end ? r.start : last + 1n) : r.start;
  for (let i = 0n; i < size; i++) {
    const ip = r.start + ((from - r.start + i) % size);
    if (ip !== r.gateway) yield ip;
  }
}

/** An address handed out: the range set it came from and the address. */
export interface Lease {
  range: LeaseRange;
  ip: bigint;
}

/** The address of one range set, asked for (`requested`) or the next free one. */
export interface LeaseRequest {
  range: LeaseRange;
  requested?: bigint | undefined;
}

export class HostLocalIpam {
  /** One search at a time per network: two starts never race for the same next address. */
  private readonly locks = new KeyedMutex();

  /** `dir`: host-local's dataDir; a network's leases are in `<dir>/<cniName>`. */
  constructor(private readonly dir: string) {}

  /**
   * An address from each range set, in order (set `i` is `last_reserved_ip.i`); when one fails
   * the ones already taken are released. Errors carry host-local's messages.
   */
  allocate(cniName: string, containerId: string, ifname: string, sets: LeaseRequest[]): Promise<Lease[]> {
    const dir = join(this.dir, cniName);
    return this.locks.run(cniName, async () => {
      await mkdir(dir, { recursive: true, mode: 0o755 });
      const out: Lease[] = [];
      try {
        for (const [i, s] of sets.entries()) out.push({ range: s.range, ip: await this.take(dir, i, containerId, ifname, s) });
      } catch (err) {
        for (const l of out) await unlink(join(dir, formatAddr(l.range.family, l.ip))).catch(() => {});
        throw err;
      }
      return out;
    });
  }

  private async take(dir: string, set: number, containerId: string, ifname: string, s: LeaseRequest): Promise<bigint> {
    const { range: r, requested } = s;
    if (requested !== undefined) {
      const ip = formatAddr(r.family, requested);
      if (requested < r.start || requested > r.end) throw new Error(`failed to allocate all requested IPs: ${ip}`);
      if (requested === r.gateway) throw new Error(`requested ip ${ip} is subnet's gateway`);
      if (!(await reserve(dir, set, containerId, ifname, ip))) throw new Error(`requested IP address ${ip} is not available in range set ${r.text}`);
      return requested;
    }
    const last = await readFile(join(dir, `${LAST_RESERVED}${set}`), 'utf8').then(
      (t) => (t.trim() ? parseAddr(t.trim()) : undefined),
      () => undefined,
    );
    for (const ip of candidates(r, last)) {
      if (await reserve(dir, set, containerId, ifname, formatAddr(r.family, ip))) return ip;
    }
    throw new Error(`no IP addresses available in range set: ${r.text}`);
  }

  /** Releases the leases of `ips` if they are this container's (another's is left alone). */
  async release(cniName: string, containerId: string, ips: string[]): Promise<void> {
    const dir = join(this.dir, cniName);
    for (const ip of ips) {
      const file = join(dir, formatAddr(isIPv4(ip) ? 4 : 6, parseAddr(ip)));
      const owner = await readFile(file, 'utf8').catch(() => '');
      if (owner.split(LINE_BREAK)[0]?.trim() === containerId) await unlink(file).catch(() => {});
    }
  }

  /** host-local's `ReleaseByID`: every lease of the container's interface, found by reading them all. */
  async releaseAll(cniName: string, containerId: string, ifname: string): Promise<void> {
    const dir = join(this.dir, cniName);
    const names = await readdir(dir).catch((err: unknown) => {
      if (isErrno(err, 'ENOENT')) return [];
      throw err;
    });
    const want = `${containerId}${LINE_BREAK}${ifname}`;
    for (const name of names) {
      if (name.startsWith(LAST_RESERVED) || name === 'lock') continue;
      const file = join(dir, name);
      const owner = (await readFile(file, 'utf8').catch(() => '')).trim();
      if (owner === want || owner === containerId) await unlink(file).catch(() => {});
    }
  }
}

/** host-local's `Store.Reserve`: the lease by exclusive create, then the set's last reserved address. */
async function reserve(dir: string, set: number, containerId: string, ifname: string, ip: string): Promise<boolean> {
  let fh;
  try {
    fh = await open(join(dir, ip), 'wx', 0o644);
  } catch (err) {
    if (isErrno(err, 'EEXIST')) return false;
    throw err;
  }
  try {
    await fh.writeFile(`${containerId.trim()}${LINE_BREAK}${ifname}`);
  } catch (err) {
    await fh.close().catch(() => {});
    await unlink(join(dir, ip)).catch(() => {});
    throw err;
  }
  await fh.close();
  await writeFile(join(dir, `${LAST_RESERVED}${set}`), ip, { mode: 0o644 });
  return true;
}
