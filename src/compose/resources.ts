/** The project's networks and volumes, created as compose v2 creates them (names, labels, options). */
import { BerthError } from '../base/errors.js';
import type { Engine } from './engine.js';
import { COMPOSE_VERSION, LABEL } from './labels.js';
import type { Dict } from './markers.js';
import type { Progress } from './progress.js';
import type { Project } from './project.js';

/** The network keys the given services attach to. */
export function usedNetworks(p: Project, services: string[]): string[] {
  const used = new Set<string>();
  for (const s of services) for (const k of Object.keys(p.services[s]?.networks ?? {})) used.add(k);
  return [...used].sort();
}

/** The named volume keys the given services mount. */
export function usedVolumes(p: Project, services: string[]): string[] {
  const used = new Set<string>();
  for (const s of services) for (const v of p.services[s]?.volumes ?? []) if (v.type === 'volume' && v.source) used.add(v.source);
  return [...used].sort();
}

function networkBody(p: Project, key: string, n: Dict): Record<string, unknown> {
  const ipam = n.ipam as { driver?: string; config?: { subnet?: string; gateway?: string; ip_range?: string; aux_addresses?: Record<string, string> }[]; options?: Record<string, string> } | undefined;
  return {
    Name: n.name,
    Driver: n.driver ?? 'bridge',
    Options: n.driver_opts ?? {},
    Internal: n.internal === true,
    Attachable: n.attachable === true,
    EnableIPv6: n.enable_ipv6 === true ? true : undefined,
    IPAM: ipam ? { Driver: ipam.driver ?? 'default', Options: ipam.options ?? {}, Config: (ipam.config ?? []).map((c) => ({ Subnet: c.subnet, Gateway: c.gateway, IPRange: c.ip_range, AuxiliaryAddresses: c.aux_addresses })) } : undefined,
    Labels: { ...((n.labels as Record<string, string> | undefined) ?? {}), [LABEL.network]: key, [LABEL.project]: p.name, [LABEL.version]: COMPOSE_VERSION },
  };
}

export async function ensureNetworks(p: Project, engine: Engine, progress: Progress, keys: string[]): Promise<void> {
  for (const key of keys) {
    const n = p.networks[key];
    if (!n) continue;
    const name = String(n.name);
    // host/none/bridge are the daemon's own networks: compose uses them as they are.
    if (['host', 'none', 'bridge'].includes(name) && n.external !== false && !n.driver) continue;
    const existing = await engine.network(name);
    if (n.external === true) {
      if (!existing) throw new BerthError('NotFound', `network ${name} declared as external, but could not be found`);
      continue;
    }
    if (existing) continue;
    await progress.step('Network', name, 'Creating', 'Created', () => engine.client.json('POST', '/networks/create', { body: networkBody(p, key, n) }));
  }
}

export async function ensureVolumes(p: Project, engine: Engine, progress: Progress, keys: string[]): Promise<void> {
  for (const key of keys) {
    const v = p.volumes[key];
    if (!v) continue;
    const name = String(v.name);
    const existing = await engine.volume(name);
    if (v.external === true) {
      if (!existing) throw new BerthError('NotFound', `external volume "${name}" not found`);
      continue;
    }
    if (existing) continue;
    const body = { Name: name, Driver: v.driver ?? 'local', DriverOpts: v.driver_opts ?? {}, Labels: { ...((v.labels as Record<string, string> | undefined) ?? {}), [LABEL.project]: p.name, [LABEL.volume]: key, [LABEL.version]: COMPOSE_VERSION } };
    await progress.step('Volume', name, 'Creating', 'Created', () => engine.client.json('POST', '/volumes/create', { body }));
  }
}
