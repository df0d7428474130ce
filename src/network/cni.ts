/**
 * Drives the CNI plugins of Debian's containernetworking-plugins (bridge, host-local,
 * portmap, firewall, loopback), the way containerd and podman do: each plugin of a list runs
 * with the CNI_* environment and the network config on stdin; ADD passes each result to the
 * next as prevResult, DEL runs the list in reverse.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { BerthError } from '../base/errors.js';

export const CNI_VERSION = '1.0.0';
const SEARCH = ['/usr/lib/cni', '/opt/cni/bin', '/usr/libexec/cni'];

export function cniPath(): string | undefined {
  return SEARCH.find((d) => existsSync(`${d}/bridge`));
}

export interface CniResult {
  cniVersion: string;
  interfaces?: { name: string; mac?: string; sandbox?: string }[];
  ips?: { interface?: number; address: string; gateway?: string }[];
  routes?: { dst: string; gw?: string }[];
}

export interface CniRuntime {
  containerId: string;
  netns: string;
  ifname: string;
}

type PluginConf = Record<string, unknown> & { type: string };

function run(dir: string, command: 'ADD' | 'DEL' | 'CHECK', rt: CniRuntime, conf: Record<string, unknown>): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(`${dir}/${String(conf.type)}`, [], {
      env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', CNI_COMMAND: command, CNI_CONTAINERID: rt.containerId, CNI_NETNS: rt.netns, CNI_IFNAME: rt.ifname, CNI_PATH: dir },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    p.stdout.on('data', (d: Buffer) => out.push(d));
    p.stderr.on('data', (d: Buffer) => err.push(d));
    p.on('error', reject);
    p.on('close', (code) => {
      const stdout = Buffer.concat(out).toString();
      if (code === 0) return resolve(stdout);
      let msg = Buffer.concat(err).toString().trim();
      try {
        const e = JSON.parse(stdout) as { msg?: string; details?: string };
        msg = [e.msg, e.details].filter(Boolean).join(': ') || msg;
      } catch {
        // not a CNI error object
      }
      reject(new BerthError('Internal', `plugin type="${String(conf.type)}" failed (${command.toLowerCase()}): ${msg || `exit ${code}`}`));
    });
    p.stdin.end(JSON.stringify(conf));
  });
}

/**
 * ADD of a plugin list; `runtimeConfig` goes to the plugins whose `capabilities` ask for its keys
 * (portMappings, ips, mac). `prevResult` is what set the interface up before the list (a chained
 * plugin such as portmap reads the container's addresses in it). On failure, what was added is
 * deleted again.
 */
export async function cniAdd(name: string, plugins: PluginConf[], rt: CniRuntime, runtimeConfig: Record<string, unknown> = {}, prevResult?: CniResult): Promise<CniResult> {
  const dir = cniPath();
  if (!dir) throw new BerthError('Unavailable', 'the CNI plugins are not installed (Debian package containernetworking-plugins)');
  let prev: CniResult | undefined = prevResult;
  const done: PluginConf[] = [];
  try {
    for (const p of plugins) {
      const conf = withRuntimeConfig({ cniVersion: CNI_VERSION, name, ...p, ...(prev ? { prevResult: prev } : {}) }, runtimeConfig);
      const out = await run(dir, 'ADD', rt, conf);
      done.push(p);
      prev = JSON.parse(out) as CniResult;
    }
  } catch (err) {
    await cniDel(name, done, rt, runtimeConfig, prev).catch(() => {});
    throw err;
  }
  return prev ?? { cniVersion: CNI_VERSION };
}

/**
 * DEL of a plugin list, in reverse; every plugin runs even when one fails (the first error is
 * thrown). `prevResult` is the list's ADD result, as libcni caches it: the firewall plugin finds
 * the rules to remove by the addresses in it.
 */
export async function cniDel(name: string, plugins: PluginConf[], rt: CniRuntime, runtimeConfig: Record<string, unknown> = {}, prevResult?: CniResult): Promise<void> {
  const dir = cniPath();
  if (!dir) return;
  let first: unknown;
  for (const p of [...plugins].reverse()) {
    try {
      await run(dir, 'DEL', rt, withRuntimeConfig({ cniVersion: CNI_VERSION, name, ...p, ...(prevResult ? { prevResult } : {}) }, runtimeConfig));
    } catch (err) {
      first ??= err;
    }
  }
  if (first) throw first;
}

function withRuntimeConfig(conf: Record<string, unknown>, runtimeConfig: Record<string, unknown>): Record<string, unknown> {
  const caps = (conf.capabilities ?? {}) as Record<string, boolean>;
  const rc = Object.fromEntries(Object.entries(runtimeConfig).filter(([k]) => caps[k]));
  return Object.keys(rc).length ? { ...conf, runtimeConfig: rc } : conf;
}
