/**
 * `compose up`'s convergence, as Docker Compose v2 does it (pkg/compose/convergence.go): images
 * pulled or built, networks and volumes created, each service's containers brought to its scale
 * (created, recreated when their config hash or image changed, surplus removed), then started in
 * dependency order, each once its dependencies meet their `depends_on` conditions.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { BerthError } from '../base/errors.js';
import { containerName, createBody, imageName, type CreateOverrides } from './container-spec.js';
import { isOneoff, nameOf, numberOf, serviceOf, type ContainerSummary, type Engine } from './engine.js';
import { dependencyOrder, inDependencyOrder, withDependencies } from './graph.js';
import { copyInlineFiles } from './inline-files.js';
import { LABEL, serviceHash } from './labels.js';
import type { Progress } from './progress.js';
import type { Project } from './project.js';
import { ensureNetworks, ensureVolumes, usedNetworks, usedVolumes } from './resources.js';
import type { Service } from './types.js';

/** Builds and pulls go through the CLI, which owns build contexts, credentials and their output. */
export interface ImageHooks {
  build(service: string, svc: Service, image: string): Promise<void>;
  pull(image: string): Promise<void>;
}

export interface UpOptions {
  /** Services named on the command line (none: all). */
  services: string[];
  noDeps?: boolean;
  build?: boolean;
  noBuild?: boolean;
  /** `--pull always|missing|never|build`. */
  pull?: string;
  scale?: Record<string, number>;
  forceRecreate?: boolean;
  noRecreate?: boolean;
  removeOrphans?: boolean;
  noStart?: boolean;
  /** Seconds to wait for a container to stop before it is killed. */
  timeout?: number;
  wait?: boolean;
  /** Seconds. */
  waitTimeout?: number;
  warn: (message: string) => void;
}

export interface Context {
  project: Project;
  engine: Engine;
  progress: Progress;
}

/** The services a command acts on: those named (or all), with their dependencies unless `noDeps`. */
export function targetServices(p: Project, names: string[], noDeps = false): string[] {
  for (const n of names) if (!p.services[n]) throw new BerthError('NotFound', `no such service: ${n}`);
  const chosen = names.length ? (noDeps ? names : withDependencies(p.services, names)) : Object.keys(p.services);
  const order = dependencyOrder(p.services);
  return order.filter((n) => chosen.includes(n));
}

/** How many containers a service runs: `--scale`, else deploy.replicas, else scale, else 1. */
export function replicas(svc: Service, name: string, scale: Record<string, number> = {}): number {
  return scale[name] ?? svc.deploy?.replicas ?? svc.scale ?? 1;
}

export async function ensureImages(c: Context, hooks: ImageHooks, services: string[], o: { build?: boolean; noBuild?: boolean; pull?: string }): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const name of services) {
    const svc = c.project.services[name]!;
    const image = imageName(c.project.name, name, svc);
    let id = await c.engine.imageId(image);
    // `--pull` overrides the services' pull_policy, as in compose v2.
    const policy = o.pull ?? svc.pull_policy ?? 'missing';
    const mustBuild = svc.build !== undefined && !o.noBuild && (o.build === true || id === undefined || policy === 'build');
    if (mustBuild) await hooks.build(name, svc, image);
    else if (id === undefined || (policy === 'always' && svc.build === undefined)) {
      if (svc.build !== undefined && id === undefined) throw new BerthError('NotFound', `image ${image} not found: build it first (--build)`);
      if (policy === 'never') throw new BerthError('NotFound', `image ${image} not found and pull_policy is never`);
      await hooks.pull(image);
    }
    id = await c.engine.imageId(image);
    if (id === undefined) throw new BerthError('NotFound', `No such image: ${image}`);
    ids.set(name, id);
  }
  return ids;
}

/** A service's first container (network_mode: service:x, volumes_from). */
function serviceContainerOf(p: Project): (service: string) => string {
  return (service) => {
    const svc = p.services[service];
    if (!svc) throw new BerthError('NotFound', `no such service: ${service}`);
    return containerName(p.name, service, svc, 1);
  };
}

export async function createServiceContainer(c: Context, service: string, n: number, imageId: string, o: CreateOverrides & { name?: string; oneoff?: boolean; slug?: string; svc?: Service } = {}): Promise<string> {
  const p = c.project;
  const svc = o.svc ?? p.services[service]!;
  const name = o.name ?? containerName(p.name, service, svc, n);
  const body = createBody(p, service, svc, { name, number: n, oneoff: o.oneoff ?? false, slug: o.slug, configHash: serviceHash(svc), imageId }, serviceContainerOf(p), o);
  return c.progress.step('Container', name, 'Creating', 'Created', async () => {
    const id = await c.engine.create(name, body);
    await copyInlineFiles(c.engine, p, svc, id);
    return id;
  });
}

async function stopAndRemove(c: Context, ct: ContainerSummary, o: { timeout?: number; volumes?: boolean }): Promise<void> {
  const name = nameOf(ct);
  if (ct.State === 'running' || ct.State === 'paused' || ct.State === 'restarting') await c.progress.step('Container', name, 'Stopping', 'Stopped', () => c.engine.stop(ct.Id, o.timeout));
  await c.progress.step('Container', name, 'Removing', 'Removed', () => c.engine.remove(ct.Id, { volumes: o.volumes, force: true }));
}

/** Brings one service to its scale; returns its containers (ID by name) in number order. */
/** A container's anonymous volumes (named by the daemon with a 64-hex ID), by target. */
async function anonymousVolumesOf(c: Context, id: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const m of (await c.engine.inspect(id)).Mounts ?? []) if (m.Type === 'volume' && m.Name && /^[0-9a-f]{64}$/.test(m.Name)) out[m.Destination] = m.Name;
  return out;
}

async function convergeService(c: Context, name: string, imageId: string, o: UpOptions, recreated?: Set<string>): Promise<void> {
  const p = c.project;
  const svc = p.services[name]!;
  const want = replicas(svc, name, o.scale);
  if (want > 1 && svc.container_name) throw new BerthError('InvalidArgument', `services.${name}: can't set container_name and ${name} as container name must be unique: invalid compose project`);
  const existing = (await c.engine.containers(p.name, { services: [name], oneoff: false })).sort((a, b) => numberOf(a) - numberOf(b));
  const hash = serviceHash(svc);
  const keep = existing.slice(0, want);
  for (const ct of existing.slice(want).reverse()) await stopAndRemove(c, ct, { timeout: o.timeout });
  for (const ct of keep) {
    const changed = ct.Labels[LABEL.configHash] !== hash || ct.Labels[LABEL.image] !== imageId;
    if (o.forceRecreate || (changed && !o.noRecreate)) {
      const cname = nameOf(ct);
      c.progress.event('Container', cname, 'Recreate');
      const anonymousVolumes = await anonymousVolumesOf(c, ct.Id);
      if (ct.State === 'running' || ct.State === 'paused') await c.engine.stop(ct.Id, o.timeout);
      // Without v=1: the anonymous volumes live on in the new container.
      await c.engine.remove(ct.Id, { force: true });
      const id = await c.engine.create(cname, createBody(p, name, svc, { name: cname, number: numberOf(ct), oneoff: false, configHash: hash, imageId }, serviceContainerOf(p), { anonymousVolumes }));
      await copyInlineFiles(c.engine, p, svc, id);
      c.progress.event('Container', cname, 'Recreated');
      recreated?.add(name);
    } else if (ct.State === 'running') c.progress.event('Container', nameOf(ct), 'Running');
  }
  const used = new Set(keep.map(numberOf));
  let n = 1;
  for (let have = keep.length; have < want; have++) {
    while (used.has(n)) n++;
    used.add(n);
    await createServiceContainer(c, name, n, imageId);
  }
}

async function waitForCondition(c: Context, dependent: string, dep: string, condition: string, required: boolean, warn: (m: string) => void): Promise<void> {
  if (condition === 'service_started') return;
  const containers = await c.engine.containers(c.project.name, { services: [dep], oneoff: false });
  for (const ct of containers) {
    const name = nameOf(ct);
    c.progress.event('Container', name, 'Waiting');
    for (;;) {
      const s = (await c.engine.inspect(ct.Id)).State;
      if (condition === 'service_healthy') {
        let failure: string | undefined;
        if (!s.Health) failure = `dependency failed to start: container ${name} has no healthcheck configured`;
        else if (s.Health.Status === 'healthy') {
          c.progress.event('Container', name, 'Healthy');
          break;
        } else if (s.Health.Status === 'unhealthy') failure = `dependency failed to start: container ${name} is unhealthy`;
        else if (!s.Running) failure = `dependency failed to start: container ${name} exited (${s.ExitCode})`;
        if (failure) {
          if (!required) {
            warn(`optional dependency "${dep}" of "${dependent}" failed: ${failure}`);
            break;
          }
          c.progress.event('Container', name, 'Error');
          throw new BerthError('Unavailable', failure);
        }
      } else if (s.Status === 'exited' || s.Status === 'dead') {
        if (s.ExitCode === 0) {
          c.progress.event('Container', name, 'Exited');
          break;
        }
        throw new BerthError('Unavailable', `service ${JSON.stringify(dep)} didn't complete successfully: exit ${s.ExitCode}`);
      }
      await sleep(250);
    }
  }
}

/** Starts a service's stopped containers once its dependencies meet their conditions. */
export async function startService(c: Context, name: string, warn: (m: string) => void, recreated: Set<string> = new Set()): Promise<string[]> {
  const svc = c.project.services[name]!;
  for (const [dep, d] of Object.entries(svc.depends_on ?? {})) if (c.project.services[dep]) await waitForCondition(c, name, dep, d.condition, d.required, warn);
  // depends_on `restart: true`: a dependency this up recreated restarts its dependents.
  const restart = !recreated.has(name) && Object.entries(svc.depends_on ?? {}).some(([dep, d]) => d.restart === true && recreated.has(dep));
  const started: string[] = [];
  for (const ct of await c.engine.containers(c.project.name, { services: [name], oneoff: false })) {
    if (ct.State === 'running' && restart) {
      await c.progress.step('Container', nameOf(ct), 'Restarting', 'Started', () => c.engine.post(ct.Id, 'restart'));
      continue;
    }
    if (ct.State === 'running') continue;
    if (ct.State === 'paused') continue;
    await c.progress.step('Container', nameOf(ct), 'Starting', 'Started', () => c.engine.start(ct.Id));
    started.push(ct.Id);
  }
  return started;
}

/** Containers of the project whose service the model no longer has. */
export async function orphans(c: Context): Promise<ContainerSummary[]> {
  const known = new Set([...Object.keys(c.project.services), ...Object.keys(c.project.disabled)]);
  return (await c.engine.containers(c.project.name)).filter((ct) => !isOneoff(ct) && !known.has(serviceOf(ct)));
}

export async function handleOrphans(c: Context, remove: boolean, warn: (m: string) => void, timeout?: number): Promise<void> {
  const truthy = (v: string | undefined): boolean => v !== undefined && /^(1|true)$/i.test(v);
  // Compose v2's switches for this, from the environment.
  if (truthy(process.env.COMPOSE_IGNORE_ORPHANS) && !remove) return;
  remove ||= truthy(process.env.COMPOSE_REMOVE_ORPHANS);
  const found = await orphans(c);
  if (found.length === 0) return;
  if (remove) {
    for (const ct of found) await stopAndRemove(c, ct, { timeout });
    return;
  }
  warn(`Found orphan containers ([${found.map(nameOf).join(' ')}]) for this project. If you removed or renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up.`);
}

/** `up --wait`: every container of the services running, and healthy when it has a healthcheck. */
async function waitRunning(c: Context, services: string[], timeoutSeconds: number | undefined): Promise<void> {
  const deadline = timeoutSeconds ? Date.now() + timeoutSeconds * 1000 : Infinity;
  for (const ct of await c.engine.containers(c.project.name, { services, oneoff: false })) {
    const name = nameOf(ct);
    c.progress.event('Container', name, 'Waiting');
    for (;;) {
      const s = (await c.engine.inspect(ct.Id)).State;
      if (s.Running && (!s.Health || s.Health.Status === 'healthy')) {
        c.progress.event('Container', name, s.Health ? 'Healthy' : 'Running');
        break;
      }
      if (s.Health?.Status === 'unhealthy') throw new BerthError('Unavailable', `container ${name} is unhealthy`);
      if (!s.Running && s.Status === 'exited') throw new BerthError('Unavailable', `container ${name} exited (${s.ExitCode})`);
      if (Date.now() > deadline) throw new BerthError('Unavailable', 'timeout waiting for the application to be running');
      await sleep(250);
    }
  }
}

/** `up`, the part before attaching: returns the services brought up. */
export async function up(c: Context, hooks: ImageHooks, o: UpOptions): Promise<string[]> {
  const p = c.project;
  const targets = targetServices(p, o.services, o.noDeps);
  const imageIds = await ensureImages(c, hooks, targets, o);
  await ensureNetworks(p, c.engine, c.progress, usedNetworks(p, targets));
  await ensureVolumes(p, c.engine, c.progress, usedVolumes(p, targets));
  await handleOrphans(c, o.removeOrphans === true, o.warn, o.timeout);
  const recreated = new Set<string>();
  await inDependencyOrder(p.services, targets, (name) => convergeService(c, name, imageIds.get(name)!, o, recreated));
  if (o.noStart) return targets;
  await inDependencyOrder(p.services, targets, async (name) => {
    await startService(c, name, o.warn, recreated);
  });
  if (o.wait) await waitRunning(c, targets, o.waitTimeout);
  return targets;
}
