/**
 * berth's own iptables and ip6tables chains, rebuilt in one `iptables-restore` (and one
 * `ip6tables-restore`) whenever the bridge networks change, per network as Docker's bridge
 * driver does (not per container: the CNI firewall plugin and the bridge plugin's ipMasq cost
 * about 110 ms of iptables calls on every start and stop, measured on this VM):
 * - BERTH-FWD-<tag> (first in FORWARD): bridges kept apart, internal networks kept in, and
 *   forwarding accepted for the rest, so a host whose FORWARD policy is DROP still works;
 * - BERTH-NAT-<tag> (POSTROUTING): masquerade of each non-internal subnet going out;
 * - BERTH-DNS-<tag> (INPUT): only a network's own containers reach its embedded resolver.
 * Both families get the same filter rules; each gets the masquerade of its own subnets.
 * Published ports are the CNI portmap plugin's. The tag is the daemon's default bridge, so
 * daemons side by side keep their own chains.
 */
import { execFile, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { BerthError } from '../base/errors.js';

const execFileP = promisify(execFile);

export interface BridgeNet {
  bridge: string;
  /** The network's IPv4 and IPv6 subnets ('' for a family it does not have). */
  subnet: string;
  subnet6: string;
  internal: boolean;
  /** The resolver's addresses on this bridge (user-defined networks: its gateways), or []. */
  dnsAddresses: string[];
}

type Family = 4 | 6;

function chains(tag: string): { fwd: string; nat: string; dns: string } {
  return { fwd: `BERTH-FWD-${tag}`, nat: `BERTH-NAT-${tag}`, dns: `BERTH-DNS-${tag}` };
}

const tool = (family: Family): string => (family === 4 ? 'iptables' : 'ip6tables');

async function ipt(family: Family, args: string[]): Promise<void> {
  await execFileP(tool(family), ['-w', ...args]);
}

function restore(family: Family, rules: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(`${tool(family)}-restore`, ['-w', '--noflush'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve() : reject(new BerthError('Internal', `${tool(family)}-restore: ${err.trim() || `exit ${code}`}`))));
    p.stdin.end(rules);
  });
}

/** Jumps into our chains from the built-ins, once; FORWARD's comes first. */
async function ensureJumps(family: Family, tag: string): Promise<void> {
  const c = chains(tag);
  for (const [table, chain, from, first] of [
    ['filter', c.fwd, 'FORWARD', true],
    ['filter', c.dns, 'INPUT', true],
    ['nat', c.nat, 'POSTROUTING', false],
  ] as const) {
    await ipt(family, ['-t', table, '-N', chain]).catch(() => {});
    await ipt(family, ['-t', table, '-C', from, '-j', chain]).catch(async () => ipt(family, ['-t', table, first ? '-I' : '-A', from, ...(first ? ['1'] : []), '-j', chain]));
  }
}

export async function applyFirewall(tag: string, nets: BridgeNet[]): Promise<void> {
  // Docker turns forwarding on: without it no container reaches past its bridge.
  await writeFile('/proc/sys/net/ipv4/ip_forward', '1\n').catch(() => {});
  await applyFamily(4, tag, nets);
  const v6 = nets.some((n) => n.subnet6);
  if (v6) await writeFile('/proc/sys/net/ipv6/conf/all/forwarding', '1\n').catch(() => {});
  // Without IPv6 networks, chains a host without ip6tables cannot have are not worth an error.
  await applyFamily(6, tag, nets).catch((err: unknown) => {
    if (v6) throw err;
  });
}

async function applyFamily(family: Family, tag: string, nets: BridgeNet[]): Promise<void> {
  await ensureJumps(family, tag);
  const c = chains(tag);
  const filter: string[] = [`-F ${c.fwd}`, `-F ${c.dns}`];
  for (const a of nets) {
    for (const b of nets) if (a !== b) filter.push(`-A ${c.fwd} -i ${a.bridge} -o ${b.bridge} -j DROP`);
    if (a.internal) {
      filter.push(`-A ${c.fwd} -i ${a.bridge} ! -o ${a.bridge} -j DROP`, `-A ${c.fwd} -o ${a.bridge} ! -i ${a.bridge} -j DROP`);
    }
  }
  for (const a of nets) {
    filter.push(
      `-A ${c.fwd} -i ${a.bridge} -j ACCEPT`,
      `-A ${c.fwd} -o ${a.bridge} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
      // Published ports arrive DNATed (portmap); nothing else is let in from outside.
      `-A ${c.fwd} -o ${a.bridge} -m conntrack --ctstate DNAT -j ACCEPT`,
      `-A ${c.fwd} -o ${a.bridge} -j DROP`,
    );
    for (const addr of a.dnsAddresses.filter((x) => x.includes(':') === (family === 6))) {
      for (const proto of ['udp', 'tcp']) filter.push(`-A ${c.dns} -d ${addr} ! -i ${a.bridge} -p ${proto} --dport 53 -j DROP`);
    }
  }
  const subnet = (n: BridgeNet): string => (family === 4 ? n.subnet : n.subnet6);
  const nat = [`-F ${c.nat}`, ...nets.filter((n) => !n.internal && subnet(n)).map((n) => `-A ${c.nat} -s ${subnet(n)} ! -o ${n.bridge} -j MASQUERADE`)];
  await restore(family, ['*filter', ...filter, 'COMMIT', '*nat', ...nat, 'COMMIT', ''].join('\n'));
}

/** Removes a daemon's chains (tests and uninstall); the CNI plugins clean their own. */
export async function removeFirewall(tag: string): Promise<void> {
  const c = chains(tag);
  for (const family of [4, 6] as const) {
    for (const [table, chain, from] of [['filter', c.fwd, 'FORWARD'], ['filter', c.dns, 'INPUT'], ['nat', c.nat, 'POSTROUTING']] as const) {
      await ipt(family, ['-t', table, '-D', from, '-j', chain]).catch(() => {});
      await ipt(family, ['-t', table, '-F', chain]).catch(() => {});
      await ipt(family, ['-t', table, '-X', chain]).catch(() => {});
    }
  }
}
