/**
 * The endpoints containers have right now, by network: what `network inspect` lists, what the
 * embedded DNS answers from, and what a network's removal waits for. In memory only: the
 * containers' records carry their endpoints, and `restore` puts them back after a restart.
 */
import type { Endpoint } from './types.js';

export interface AttachedContainer {
  id: string;
  name: string;
  sandbox: string;
  /** Its `--dns` servers: where the embedded resolver forwards its other queries. */
  dns?: string[] | undefined;
}

export interface LiveEndpoint {
  container: AttachedContainer;
  endpoint: Endpoint;
}

export class LiveEndpoints {
  private readonly byNetwork = new Map<string, Map<string, LiveEndpoint>>();

  track(networkId: string, container: AttachedContainer, endpoint: Endpoint): void {
    let m = this.byNetwork.get(networkId);
    if (!m) this.byNetwork.set(networkId, (m = new Map()));
    m.set(container.id, { container, endpoint });
  }

  forget(networkId: string, containerId: string): void {
    const m = this.byNetwork.get(networkId);
    m?.delete(containerId);
    if (m?.size === 0) this.byNetwork.delete(networkId);
  }

  has(networkId: string, containerId: string): boolean {
    return this.byNetwork.get(networkId)?.has(containerId) ?? false;
  }

  on(networkId: string): LiveEndpoint[] {
    return [...(this.byNetwork.get(networkId)?.values() ?? [])];
  }

  /** The container whose endpoint on the network has this address (either family). */
  at(networkId: string, ip: string): LiveEndpoint | undefined {
    return this.on(networkId).find((e) => e.endpoint.ip === ip || (!!e.endpoint.ipv6 && e.endpoint.ipv6 === ip));
  }

  /** The IDs of the networks a container has endpoints on. */
  networksOf(containerId: string): string[] {
    return [...this.byNetwork.entries()].filter(([, m]) => m.has(containerId)).map(([id]) => id);
  }

  /** `docker rename`, and endpoints whose DNS names changed with it. */
  update(containerId: string, name: string, endpoints: Endpoint[]): void {
    for (const m of this.byNetwork.values()) {
      const e = m.get(containerId);
      if (!e) continue;
      e.container.name = name;
      e.endpoint = endpoints.find((x) => x.endpointId === e.endpoint.endpointId) ?? e.endpoint;
    }
  }
}

/** An endpoint's DNS names after its container's rename: the old name replaced by the new one. */
export function renamedDnsNames(names: readonly string[], oldName: string, newName: string): string[] {
  return names.map((x) => (x === oldName ? newName : x));
}
