/**
 * What the compose commands ask the Engine API, through the CLI's ApiClient: a project's
 * containers, networks and volumes found by their `com.docker.compose.*` labels, and the few
 * calls built on them. The Engine API is the only way in (no engine modules).
 */
import { ApiError, escapePath, type ApiClient } from '../client/index.js';
import { LABEL } from './labels.js';

export interface ContainerSummary {
  Id: string;
  Names: string[];
  Image: string;
  ImageID: string;
  Command: string;
  Created: number;
  State: string;
  Status: string;
  Ports: { IP?: string; PrivatePort: number; PublicPort?: number; Type: string }[];
  Labels: Record<string, string>;
}

export interface ContainerInspect {
  Id: string;
  Name: string;
  Config: { Labels: Record<string, string> | null; Tty: boolean; OpenStdin: boolean; Image: string };
  State: { Status: string; Running: boolean; Paused: boolean; Restarting?: boolean; ExitCode: number; StartedAt?: string; Health?: { Status: string } };
  NetworkSettings: { Ports: Record<string, { HostIp: string; HostPort: string }[] | null> | null };
  Mounts: { Type: string; Name?: string; Destination: string }[] | null;
}

/** A container's name without the leading slash. */
export const nameOf = (c: ContainerSummary): string => (c.Names[0] ?? '').replace(/^\//, '');
export const serviceOf = (c: ContainerSummary): string => c.Labels[LABEL.service] ?? '';
export const numberOf = (c: ContainerSummary): number => Number(c.Labels[LABEL.number] ?? 0);
export const isOneoff = (c: ContainerSummary): boolean => c.Labels[LABEL.oneoff] === 'True';

export interface ContainerQuery {
  all?: boolean;
  services?: string[];
  /** true: one-off (`run`) containers only; false: service containers only; undefined: both. */
  oneoff?: boolean;
}

export class Engine {
  private active = 0;
  private readonly queue: (() => void)[] = [];

  /** `parallel`: at most that many requests at once (compose's --parallel; -1 for no limit). */
  constructor(
    readonly client: ApiClient,
    private readonly parallel = -1,
  ) {}

  /** Runs a request within the --parallel limit. */
  private async gate<T>(fn: () => Promise<T>): Promise<T> {
    if (this.parallel > 0 && this.active >= this.parallel) await new Promise<void>((r) => this.queue.push(r));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.queue.shift()?.();
    }
  }

  async containers(project: string, q: ContainerQuery = {}): Promise<ContainerSummary[]> {
    const label = [`${LABEL.project}=${project}`];
    if (q.oneoff !== undefined) label.push(`${LABEL.oneoff}=${q.oneoff ? 'True' : 'False'}`);
    if (q.services?.length === 1) label.push(`${LABEL.service}=${q.services[0]}`);
    const list = await this.gate(() => this.client.json<ContainerSummary[]>('GET', '/containers/json', { query: { all: q.all ?? true, filters: JSON.stringify({ label }) } }));
    const wanted = q.services?.length ? new Set(q.services) : undefined;
    return list.filter((c) => !wanted || wanted.has(serviceOf(c))).sort((a, b) => (serviceOf(a) < serviceOf(b) ? -1 : serviceOf(a) > serviceOf(b) ? 1 : numberOf(a) - numberOf(b)));
  }

  inspect(id: string): Promise<ContainerInspect> {
    return this.gate(() => this.client.json<ContainerInspect>('GET', `/containers/${escapePath(id)}/json`));
  }

  /** The image's ID, undefined when the daemon has no such image. */
  async imageId(name: string): Promise<string | undefined> {
    try {
      return (await this.gate(() => this.client.json<{ Id: string }>('GET', `/images/${escapePath(name)}/json`))).Id;
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return undefined;
      throw err;
    }
  }

  async networks(project: string): Promise<{ Id: string; Name: string; Labels: Record<string, string> | null }[]> {
    return this.client.json('GET', '/networks', { query: { filters: JSON.stringify({ label: [`${LABEL.project}=${project}`] }) } });
  }

  async network(name: string): Promise<{ Id: string; Name: string; Labels: Record<string, string> | null } | undefined> {
    try {
      return await this.client.json('GET', `/networks/${escapePath(name)}`);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return undefined;
      throw err;
    }
  }

  async volumes(project: string): Promise<{ Name: string; Labels: Record<string, string> | null }[]> {
    const r = await this.client.json<{ Volumes: { Name: string; Labels: Record<string, string> | null }[] | null }>('GET', '/volumes', { query: { filters: JSON.stringify({ label: [`${LABEL.project}=${project}`] }) } });
    return r.Volumes ?? [];
  }

  async volume(name: string): Promise<{ Name: string; Labels: Record<string, string> | null } | undefined> {
    try {
      return await this.client.json('GET', `/volumes/${escapePath(name)}`);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return undefined;
      throw err;
    }
  }

  async create(name: string, body: Record<string, unknown>): Promise<string> {
    return (await this.gate(() => this.client.json<{ Id: string }>('POST', '/containers/create', { query: { name }, body }))).Id;
  }

  async start(id: string): Promise<void> {
    await this.gate(() => this.client.call('POST', `/containers/${escapePath(id)}/start`).then((r) => r.resume()));
  }

  async stop(id: string, timeout?: number): Promise<void> {
    await this.gate(() => this.client.call('POST', `/containers/${escapePath(id)}/stop`, { query: { t: timeout } }).then((r) => r.resume()));
  }

  async remove(id: string, o: { volumes?: boolean; force?: boolean } = {}): Promise<void> {
    await this.gate(() => this.client.call('DELETE', `/containers/${escapePath(id)}`, { query: { v: o.volumes, force: o.force } }).then((r) => r.resume()));
  }

  async post(id: string, action: string, query: Record<string, string | number | undefined> = {}): Promise<void> {
    await this.gate(() => this.client.call('POST', `/containers/${escapePath(id)}/${action}`, { query }).then((r) => r.resume()));
  }
}
