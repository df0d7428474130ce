/**
 * berth's own iptables chains, rebuilt in one `iptables-restore` whenever the bridge networks
 * change, per network as Docker's bridge driver does (not per container: the CNI firewall
 * plugin and the bridge plugin's ipMasq cost about 110 ms of iptables calls on every start and
 * stop, measured on this VM):
 * - BERTH-FWD-<tag> (first in FORWARD): bridges kept apart, internal networks kept in, and
 *   forwarding accepted for the rest, so a host whose FORWARD policy is DROP still works;
 * - BERTH-NAT-<tag> (POSTROUTING): masquerade of each non-internal subnet going out;
 * - BERTH-DNS-<tag> (INPUT): only a network's own containers reach its embedded resolver.
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
  subnet: string;
  internal: boolean;
  /** The resolver's address on this bridge (user-defined networks), or ''. */
  dnsAddress: string;
}

function chains(tag: string): { fwd: string; nat: string; dns: string } {
  return { fwd: `BERTH-FWD-${tag}`, nat: `BERTH-NAT-${tag}`, dns: `BERTH-DNS-${tag}` };
}

async function ipt(args: string[]): Promise<void> {
  await execFileP('iptables', ['-w', ...args]);
}

function restore(rules: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn('iptables-restore', ['-w', '--noflush'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve() : reject(new BerthError('Internal', `iptables-restore: ${err.trim() || `exit ${code}`}`))));
    p.stdin.end(rules);
  });
}

/** Jumps into our chains from the built-ins, once; FORWARD's comes first. */
async function ensureJumps(tag: string): Promise<void> {
  const c = chains(tag);
  for (const [table, chain, from, first] of [
    ['filter', c.fwd, 'FORWARD', true],
    ['filter', c.dns, 'INPUT', true],
    ['nat', c.nat, 'POSTROUTING', false],
  ] as const) {
    await ipt(['-t', table, '-N', chain]).catch(() => {});
    await ipt(['-t', table, '-C', from, '-j', chain]).catch(async () => ipt(['-t', table, first ? '-I' : '-A', from, ...(first ? ['1'] : []), '-j', chain]));
  }
}

export async function applyFirewall(tag: string, nets: BridgeNet[]): Promise<void> {
  // Docker turns forwarding on: without it no container reaches past its bridge.
  await writeFile('/proc/sys/net/ipv4/ip_forward', '1\n').catch(() => {});
  await ensureJumps(tag);
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
    if (a.dnsAddress) for (const proto of ['udp', 'tcp']) filter.push(`-A ${c.dns} -d ${a.dnsAddress} ! -i ${a.bridge} -p ${proto} --dport 53 -j DROP`);
  }
  const nat = [`-F ${c.nat}`, ...nets.filter((n) => !n.internal).map((n) => `-A ${c.nat} -s ${n.subnet} ! -o ${n.bridge} -j MASQUERADE`)];
  await restore(['*filter', ...filter, 'COMMIT', '*nat', ...nat, 'COMMIT', ''].join('\n'));
}

/** Removes a daemon's chains (tests and uninstall); the CNI plugins clean their own. */
export async function removeFirewall(tag: string): Promise<void> {
  const c = chains(tag);
  for (const [table, chain, from] of [['filter', c.fwd, 'FORWARD'], ['filter', c.dns, 'INPUT'], ['nat', c.nat, 'POSTROUTING']] as const) {
    await ipt(['-t', table, '-D', from, '-j', chain]).catch(() => {});
    await ipt(['-t', table, '-F', chain]).catch(() => {});
    await ipt(['-t', table, '-X', chain]).catch(() => {});
  }
}
