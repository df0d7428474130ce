/**
 * `compose down` and the lifecycle commands over a project's existing containers (stop, start,
 * restart, kill, pause, unpause, rm), each with compose v2's progress events.
 */
import { ApiError } from '../client/index.js';
import { imageName } from './container-spec.js';
import { isOneoff, nameOf, serviceOf, type ContainerSummary } from './engine.js';
import { inDependencyOrder } from './graph.js';
import { LABEL } from './labels.js';
import type { Context } from './up.js';

export interface DownOptions {
  volumes?: boolean;
  rmi?: 'all' | 'local';
  removeOrphans?: boolean;
  timeout?: number;
  /** Services named: only their containers go (networks and volumes stay). */
  services?: string[];
  warn: (message: string) => void;
}

async function forEachParallel<T>(items: T[], fn: (x: T) => Promise<void>): Promise<void> {
  const results = await Promise.allSettled(items.map(fn));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/**
 * Runs `fn` on containers service by service along the dependency graph (dependents first when
 * `reverse`, as compose stops them), a service's containers and independent services at once;
 * containers of services the model lacks (orphans) first.
 */
async function byService(c: Context, containers: ContainerSummary[], fn: (ct: ContainerSummary) => Promise<void>, reverse: boolean): Promise<void> {
  const groups = new Map<string, ContainerSummary[]>();
  for (const ct of containers) groups.set(serviceOf(ct), [...(groups.get(serviceOf(ct)) ?? []), ct]);
  const known = [...groups.keys()].filter((s) => c.project.services[s]);
  await forEachParallel(
    containers.filter((ct) => !c.project.services[serviceOf(ct)]),
    fn,
  );
  await inDependencyOrder(c.project.services, known, (s) => forEachParallel(groups.get(s)!, fn), reverse);
}

export async function down(c: Context, o: DownOptions): Promise<void> {
  const p = c.project;
  const known = new Set([...Object.keys(p.services), ...Object.keys(p.disabled)]);
  let containers = await c.engine.containers(p.name, { services: o.services });
  const orphans = containers.filter((ct) => !isOneoff(ct) && !known.has(serviceOf(ct)));
  if (!o.removeOrphans) containers = containers.filter((ct) => !orphans.includes(ct));
  // Anonymous volumes a recreated container took over are mounted by name, so `rm -v` keeps
  // them: with -v they go once their containers are gone.
  const anonymous = new Set<string>();
  if (o.volumes) {
    for (const ct of containers) {
      for (const m of (await c.engine.inspect(ct.Id)).Mounts ?? []) if (m.Type === 'volume' && m.Name && /^[0-9a-f]{64}$/.test(m.Name)) anonymous.add(m.Name);
    }
  }
  // Dependents go first: a service still running must not lose what it depends on under it.
  await byService(
    c,
    containers,
    async (ct) => {
      const name = nameOf(ct);
      if (ct.State === 'running' || ct.State === 'paused' || ct.State === 'restarting') await c.progress.step('Container', name, 'Stopping', 'Stopped', () => c.engine.stop(ct.Id, o.timeout));
      await c.progress.step('Container', name, 'Removing', 'Removed', () => c.engine.remove(ct.Id, { volumes: o.volumes, force: true }));
    },
    true,
  );
  for (const name of anonymous) {
    await c.engine.client.call('DELETE', `/volumes/${name}`).then(
      (r) => r.resume(),
      () => {},
    );
  }
  if (o.services?.length) return;
  if (!o.removeOrphans && orphans.length) {
    o.warn(`Found orphan containers ([${orphans.map(nameOf).join(' ')}]) for this project. If you removed or renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up.`);
  }
  for (const n of await c.engine.networks(p.name)) {
    const key = n.Labels?.[LABEL.network];
    if (key !== undefined && p.networks[key]?.external === true) continue;
    await c.progress.step('Network', n.Name, 'Removing', 'Removed', async () => {
      await c.engine.client.call('DELETE', `/networks/${n.Id}`).then((r) => r.resume());
    });
  }
  if (o.volumes) {
    for (const v of await c.engine.volumes(p.name)) {
      const key = v.Labels?.[LABEL.volume];
      if (key !== undefined && p.volumes[key]?.external === true) continue;
      await c.progress.step('Volume', v.Name, 'Removing', 'Removed', async () => {
        await c.engine.client.call('DELETE', `/volumes/${encodeURIComponent(v.Name)}`).then((r) => r.resume());
      });
    }
  }
  if (o.rmi) {
    const images = new Set<string>();
    for (const [name, svc] of Object.entries(p.services)) if (o.rmi === 'all' || svc.image === undefined) images.add(imageName(p.name, name, svc));
    for (const image of images) {
      try {
        await c.progress.step('Image', image, 'Removing', 'Removed', async () => {
          await c.engine.client.call('DELETE', `/images/${encodeURIComponent(image)}`).then((r) => r.resume());
        });
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 404)) throw err;
      }
    }
  }
}

type Action = 'stop' | 'start' | 'restart' | 'kill' | 'pause' | 'unpause';
const WORDS: Record<Action, [string, string]> = {
  stop: ['Stopping', 'Stopped'],
  start: ['Starting', 'Started'],
  restart: ['Restarting', 'Started'],
  kill: ['Killing', 'Killed'],
  pause: ['Pausing', 'Paused'],
  unpause: ['Unpausing', 'Unpaused'],
};

/** Runs a lifecycle action on the services' containers (all services when none named). */
export async function lifecycle(c: Context, action: Action, services: string[], query: Record<string, string | number | undefined> = {}): Promise<void> {
  let containers = await c.engine.containers(c.project.name, { services, oneoff: false });
  const applies: Record<Action, (s: string) => boolean> = {
    stop: (s) => s === 'running' || s === 'paused' || s === 'restarting',
    start: (s) => s !== 'running' && s !== 'paused',
    restart: () => true,
    kill: (s) => s === 'running',
    pause: (s) => s === 'running',
    unpause: (s) => s === 'paused',
  };
  containers = containers.filter((ct) => applies[action](ct.State));
  const [doing, done] = WORDS[action];
  const run = (ct: ContainerSummary): Promise<void> => c.progress.step('Container', nameOf(ct), doing, done, () => (action === 'start' ? c.engine.start(ct.Id) : c.engine.post(ct.Id, action, query)));
  await byService(c, containers, run, action !== 'start' && action !== 'unpause');
}

/**
 * `compose rm`: stopped service containers (with `stop`, stopped first); `confirm` sees their
 * names and may call it off. Returns how many went (-1: called off).
 */
export async function removeStopped(c: Context, services: string[], o: { stop?: boolean; volumes?: boolean; timeout?: number; confirm?: (names: string[]) => Promise<boolean> }): Promise<number> {
  let containers = await c.engine.containers(c.project.name, { services, oneoff: false });
  if (o.stop) {
    const running = containers.filter((ct) => ct.State === 'running' || ct.State === 'paused');
    await byService(c, running, (ct) => c.progress.step('Container', nameOf(ct), 'Stopping', 'Stopped', () => c.engine.stop(ct.Id, o.timeout)), true);
    containers = await c.engine.containers(c.project.name, { services, oneoff: false });
  }
  const stopped = containers.filter((ct) => ct.State !== 'running' && ct.State !== 'paused' && ct.State !== 'restarting');
  if (stopped.length && o.confirm && !(await o.confirm(stopped.map(nameOf)))) return -1;
  for (const ct of stopped) await c.progress.step('Container', nameOf(ct), 'Removing', 'Removed', () => c.engine.remove(ct.Id, { volumes: o.volumes, force: true }));
  return stopped.length;
}
