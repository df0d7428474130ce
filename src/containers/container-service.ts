/**
 * Containers as Docker users see them: create, list, inspect, start/stop/kill/restart, wait,
 * remove, rename, logs and attach streams. Runs on {@link Lifecycle}; one lock per container.
 */
import { join } from 'node:path';
import { hostname } from 'node:os';
import { execFile } from 'node:child_process';
import { lstat, mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { promisify } from 'node:util';
import { randomId } from '../base/ids.js';
import { BerthError, conflict, invalidArgument, notFound } from '../base/errors.js';
import type { Digest } from '../base/digest.js';
import type { Logger } from '../base/log.js';
import { removeAll } from '../base/fs.js';
import { sleep } from '../base/sleep.js';
import { readFromHandle, readLogs, splitRecords, type LogRecord, type RuntimeBinary, type Shim } from '../runtime/index.js';
import type { ContainerStore } from './container-store.js';
import { createRootfsDirs, mountRootfs, rootfsPaths, unmountRootfs } from './rootfs.js';
import { logFiles } from './log-rotation.js';
import { mergeLogConfig, type LogConfig } from './log-config.js';
import { Lifecycle, type WaitCondition } from './lifecycle.js';
import type { ContainerImages } from './image-access.js';

export type { CommitRequest, ContainerImages, ResolvedImage } from './image-access.js';
import { generateName, VALID_NAME } from './names.js';
import { resources, signalNumber } from './run-spec.js';
import { initialState, type ContainerConfig, type ContainerData, type ContainerRecord, type HostConfig } from './types.js';
import { thaw } from '../base/record-table.js';
import type { ContainerIO, OutputListener } from './container-io.js';
import { ExecService } from './exec-service.js';
import { HealthMonitor } from './health-monitor.js';
import type { ProbeExecs } from './health-probe.js';
import { healthFromImageConfig, mergeHealthcheck, validateHealthcheck } from './health-config.js';
import { ContainerContent } from './container-content.js';
import { dropMountPoints, populateVolumes, registerMountPoints, type ContainerVolumes } from './container-mounts.js';
import { connectNetwork, disconnectNetwork, planNetworks, renameEndpoints, stopNetwork, type ContainerNetworks, type EndpointsConfig } from './container-network.js';
import { etcPaths, rewriteResolvConf } from './etc-files.js';
import type { EndpointRequest } from '../network/index.js';
import { deviceCgroupRule } from './devices.js';
import { editHostsFile, inspectLinks, removeHostsEntry, resolveLinks } from './links.js';

const execFileP = promisify(execFile);

/** How long after its start a container's log is worth waiting on for a first output (see firstOutput). */
const FRESH_LOG_MS = 250;

export interface ContainerServiceDeps {
  store: ContainerStore;
  images: ContainerImages;
  execRoot: string;
  shim: Shim;
  runtimes: () => Record<string, RuntimeBinary>;
  defaultRuntime: () => string;
  publish: (action: string, id: string, attrs: Record<string, string>) => void;
  log: Logger;
  /** A layer's unpacked directory (for `diff`). */
  layerDir: (diffId: string) => string;
  volumes: ContainerVolumes;
  networks: ContainerNetworks;
  hostGateway: () => string;
  /** The daemon's `dns`: containers' servers when they give none. */
  defaultDns: () => string[];
  /** The daemon's `log-driver` and `log-opts`: a container's when it names no driver. */
  logDefaults: () => LogConfig;
}

export interface CreateRequest {
  name?: string;
  config: ContainerConfig;
  hostConfig: HostConfig;
  /** NetworkingConfig.EndpointsConfig, by network name (or "default"). */
  endpoints?: EndpointsConfig;
  /** Config.MacAddress (older API versions put the MAC there). */
  macAddress?: string;
  /** A build step's container (see ContainerData.buildStep). */
  buildStep?: boolean;
}

export interface LogsOptions {
  tail?: number | undefined;
  sinceNs?: bigint | undefined;
  untilNs?: bigint | undefined;
  follow: boolean;
  signal: AbortSignal;
}

interface PendingAttach {
  out: OutputListener;
  onClose: () => void;
  detach?: () => void;
}

interface Waiter {
  condition: WaitCondition;
  resolve: (r: { statusCode: number; error?: string }) => void;
}

export class ContainerService {
  private readonly lifecycle: Lifecycle;
  readonly execs: ExecService;
  private readonly health: HealthMonitor;
  /** What is inside a container: processes, usage, files (top, stats, diff, export, commit, cp). */
  readonly content: ContainerContent;
  private readonly waiters = new Map<string, Set<Waiter>>();
  private readonly restartTimers = new Map<string, NodeJS.Timeout>();
  private readonly pendingAttach = new Map<string, Set<PendingAttach>>();
  private readonly pendingStdin = new Map<string, { chunks: Buffer[]; closed: boolean }>();

  constructor(private readonly d: ContainerServiceDeps) {
    // The monitor probes through the exec service, made below (it needs the lifecycle, which needs the monitor).
    const execs: ProbeExecs = {
      create: (...a) => this.execs.create(...a),
      start: (...a) => this.execs.start(...a),
      kill: (id) => this.execs.kill(id),
      discard: (id) => this.execs.discard(id),
      reapProbes: (id) => this.execs.reapProbes(id),
    };
    this.health = new HealthMonitor({ store: d.store, execs, emit: (rec, action, attrs) => this.emit(rec, action, attrs), log: d.log });
    this.lifecycle = new Lifecycle({
      health: this.health,
      store: d.store,
      images: d.images,
      execRoot: d.execRoot,
      shim: d.shim,
      runtimes: d.runtimes,
      defaultRuntime: d.defaultRuntime,
      log: d.log,
      volumes: d.volumes,
      networks: d.networks,
      hostGateway: d.hostGateway,
      defaultDns: d.defaultDns,
      emit: (rec, action, attrs) => this.emit(rec, action, attrs),
      onExit: (rec) => void this.afterExit(rec),
      ioReady: (id: string, io: ContainerIO) => {
        const pending = this.pendingAttach.get(id);
        this.pendingAttach.delete(id);
        for (const p of pending ?? []) p.detach = io.subscribe(p.out, p.onClose);
        // Stdin a client sent before the start goes in first, then its end if it came.
        const input = this.pendingStdin.get(id);
        this.pendingStdin.delete(id);
        for (const chunk of input?.chunks ?? []) void io.writeStdin(chunk);
        if (input?.closed) io.closeStdin();
      },
    });
    this.execs = new ExecService(d.store, this.lifecycle, (rec, action, attrs) => this.emit(rec, action, attrs));
    this.content = new ContainerContent({
      store: d.store,
      images: d.images,
      layerDir: d.layerDir,
      lifecycle: this.lifecycle,
      emit: (rec, action, attrs) => this.emit(rec, action, attrs),
      pause: (id) => this.pause(id),
      unpause: (id) => this.unpause(id),
      volumes: d.volumes,
    });
  }

  private emit(rec: ContainerRecord, action: string, attrs: Record<string, string> = {}): void {
    this.d.publish(action, rec.id, { ...rec.config.labels, image: rec.config.image, name: rec.name.slice(1), ...attrs });
  }

  /** Re-adopts containers after a restart and brings `always`/`unless-stopped` ones back. */
  async init(): Promise<void> {
    for (const rec of this.d.store.all()) for (const m of rec.mounts ?? []) if (m.type === 'volume') this.d.volumes.reference(m.name, rec.id);
    this.lifecycle.watchExits();
    await this.lifecycle.recover();
    for (const rec of this.d.store.all()) {
      const p = rec.hostConfig.restartPolicy.name;
      if (rec.state.status === 'exited' && (p === 'always' || (p === 'unless-stopped' && !rec.state.stoppedByUser)) && !rec.state.stoppedByUser) {
        await this.start(rec.id).catch((err: unknown) => this.d.log.warn('restart at boot failed', { id: rec.id, err }));
      }
    }
  }

  close(): void {
    for (const t of this.restartTimers.values()) clearTimeout(t);
    this.health.close();
    this.lifecycle.close();
  }

  find(ref: string): ContainerRecord {
    return this.d.store.find(ref);
  }

  list(): ContainerRecord[] {
    return this.d.store.all();
  }

  /** The log file inspect shows: json-file's only (moby keeps the local driver's private). */
  logPath(id: string): string {
    return ['json-file', ''].includes(this.find(id).hostConfig.logConfig.type) ? this.lifecycle.logPath(id) : '';
  }

  counts(): { total: number; running: number; paused: number; stopped: number } {
    const all = this.d.store.all();
    const running = all.filter((c) => c.state.status === 'running' || c.state.status === 'restarting').length;
    const paused = all.filter((c) => c.state.status === 'paused').length;
    return { total: all.length, running, paused, stopped: all.length - running - paused };
  }

  /** Image IDs and layers that containers hold (for `rmi` and image GC). */
  usingImage(id: string): { id: string; running: boolean }[] {
    return this.d.store
      .all()
      .filter((c) => c.imageId === id)
      .map((c) => ({ id: c.id, running: c.state.status === 'running' || c.state.status === 'paused' }));
  }

  layersInUse(): Digest[] {
    return this.d.store.all().flatMap((c) => c.layers);
  }

  async create(req: CreateRequest): Promise<{ id: string; warnings: string[] }> {
    validateHealthcheck(req.config.healthcheck);
    if (!req.config.image) throw invalidArgument('No command specified');
    let name = req.name;
    if (name !== undefined && name !== '') {
      if (!VALID_NAME.test(name)) throw invalidArgument(`Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
      name = name.startsWith('/') ? name : `/${name}`;
    }
    const image = await this.d.images.resolve(req.config.image);
    const entrypoint = req.config.entrypoint ?? image.config.Entrypoint ?? [];
    // A new entrypoint resets the image's CMD (Docker's rule).
    const cmd = req.config.cmd ?? (req.config.entrypoint ? [] : (image.config.Cmd ?? []));
    const argv = [...(entrypoint.length === 1 && entrypoint[0] === '' ? [] : entrypoint), ...cmd];
    if (argv.length === 0) throw invalidArgument('No command specified');
    if (req.hostConfig.runtime && !this.d.runtimes()[req.hostConfig.runtime]) throw invalidArgument(`unknown or invalid runtime name: ${req.hostConfig.runtime}`);
    if (req.hostConfig.autoRemove && req.hostConfig.restartPolicy.name && req.hostConfig.restartPolicy.name !== 'no') {
      throw invalidArgument("can't create 'AutoRemove' container with restart policy");
    }
    const mode = req.hostConfig.networkMode || 'default';
    const networks = planNetworks(mode, req.endpoints ?? {}, req.macAddress ?? '', this.d.networks, (r) => this.find(r));
    const links = resolveLinks(req.hostConfig.links ?? [], mode, (r) => this.find(r));
    for (const rule of req.hostConfig.deviceCgroupRules ?? []) deviceCgroupRule(rule);
    const id = randomId();
    if (!name) {
      for (let i = 0; ; i++) {
        const candidate = `/${generateName(i)}`;
        if (!this.d.store.nameTaken(candidate)) {
          name = candidate;
          break;
        }
      }
    }
    this.d.store.reserveName(name, id);
    try {
      const config: ContainerConfig = {
        ...req.config,
        // moby names a container's host after its short ID, or the host, at create.
        hostname: req.config.hostname || (mode === 'host' ? hostname() : id.slice(0, 12)),
        labels: { ...(image.config.Labels ?? {}), ...req.config.labels },
        exposedPorts: { ...(image.config.ExposedPorts ?? {}), ...req.config.exposedPorts },
        volumes: { ...(image.config.Volumes ?? {}), ...req.config.volumes },
        entrypoint: req.config.entrypoint,
        cmd: req.config.cmd ?? (req.config.entrypoint ? null : (image.config.Cmd ?? null)),
        stopSignal: req.config.stopSignal ?? image.config.StopSignal,
        healthcheck: mergeHealthcheck(req.config.healthcheck, healthFromImageConfig(image.config.Healthcheck)),
      };
      const rec: ContainerData = {
        schemaVersion: 1,
        id,
        name,
        created: new Date().toISOString(),
        imageId: image.id,
        layers: image.layers,
        path: argv[0]!,
        args: argv.slice(1),
        config,
        hostConfig: { ...req.hostConfig, networkMode: mode, logConfig: mergeLogConfig(req.hostConfig.logConfig, this.d.logDefaults()) },
        networks,
        ...(links.length ? { links } : {}),
        state: initialState(),
        restartCount: 0,
        generation: 0,
        ...(req.buildStep ? { buildStep: true } : {}),
      };
      rec.mounts = await registerMountPoints(id, rec.hostConfig, config.volumes, this.d.volumes, (r) => this.find(r));
      try {
        const paths = rootfsPaths(this.d.store.dir(id));
        await createRootfsDirs(paths);
        if (rec.mounts.some((m) => m.copyData)) {
          const merged = await mountRootfs(paths, await this.d.images.layerDirs(rec.layers));
          try {
            await populateVolumes(rec, merged, this.d.volumes);
          } finally {
            await unmountRootfs(paths);
          }
        }
        await this.d.store.create(rec);
      } catch (err) {
        await dropMountPoints(rec, this.d.volumes, true);
        throw err;
      }
      this.emit(rec, 'create');
      return { id, warnings: [] };
    } catch (err) {
      this.d.store.releaseName(name, id);
      await removeAll(this.d.store.dir(id));
      throw err;
    }
  }

  async start(ref: string): Promise<void> {
    const rec = this.find(ref);
    await this.cancelRestart(rec.id);
    try {
      await this.lifecycle.locks.run(rec.id, () => this.lifecycle.start(rec.id));
    } catch (err) {
      if (!(err instanceof BerthError && err.kind === 'NotModified')) {
        // Clients attached for this start see their stream end, as Docker resets the streams.
        this.closePendingAttach(rec.id);
        // `run --rm` waits for the removal even when the start failed (moby removes it).
        if (rec.hostConfig.autoRemove) await this.remove(rec.id, { force: true, volumes: true }).catch(() => {});
      }
      throw err;
    }
  }

  private closePendingAttach(id: string): void {
    this.pendingStdin.delete(id);
    const pending = this.pendingAttach.get(id);
    this.pendingAttach.delete(id);
    for (const p of pending ?? []) p.onClose();
  }

  /** `docker stop`: the stop signal, then SIGKILL after the timeout (seconds; -1 waits forever). */
  async stop(ref: string, opts: { timeout?: number | undefined; signal?: string | undefined } = {}): Promise<void> {
    let rec = this.find(ref);
    if (rec.state.status === 'restarting') {
      // A queued restart sees this and stands down; one under way finishes, then stops below.
      await this.markStoppedByUser(rec.id);
      await this.cancelRestart(rec.id);
      await this.lifecycle.locks.run(rec.id, async () => {});
      if (!this.isRunning(rec.id)) {
        await this.d.store.update(rec.id, (c) => {
          c.state.status = 'exited';
        });
        return;
      }
    } else {
      await this.cancelRestart(rec.id);
    }
    rec = this.find(rec.id);
    if (rec.state.status !== 'running' && rec.state.status !== 'paused') throw new BerthError('NotModified', 'container already stopped');
    rec = await this.markStoppedByUser(rec.id);
    const timeout = opts.timeout ?? rec.config.stopTimeout ?? 10;
    const sig = signalNumber(opts.signal || rec.config.stopSignal, 'SIGTERM');
    const exit = this.waitFor(rec.id, 'next-exit');
    if (rec.state.status === 'paused') await this.lifecycle.unpause(rec.id).catch(() => {});
    await this.lifecycle.signal(this.find(rec.id), sig).catch(() => {});
    const graceful = timeout < 0 ? await exit.then(() => true) : await Promise.race([exit.then(() => true), sleep(timeout * 1000).then(() => false)]);
    if (!graceful) {
      await this.lifecycle.signal(this.find(rec.id), 9).catch(() => {});
      await Promise.race([exit, sleep(30_000)]);
    }
    this.emit(rec, 'stop');
  }

  async kill(ref: string, signal?: string): Promise<void> {
    const rec = this.find(ref);
    const sig = signalNumber(signal, 'SIGKILL');
    if (rec.state.status !== 'running' && rec.state.status !== 'paused') throw conflict(`cannot kill container: ${rec.id}: container ${rec.id} is not running`);
    // SIGKILL returns once the exit is recorded (moby's Kill waits up to 10 s for not-running).
    const exit = sig === 9 && rec.state.status === 'running' ? this.waitFor(rec.id, 'next-exit') : undefined;
    await this.lifecycle.signal(await this.markStoppedByUser(rec.id), sig);
    this.emit(rec, 'kill', { signal: String(sig) });
    if (exit) await Promise.race([exit, sleep(10_000)]);
  }

  async restart(ref: string, opts: { timeout?: number | undefined; signal?: string | undefined } = {}): Promise<void> {
    const rec = this.find(ref);
    if (rec.state.status === 'running' || rec.state.status === 'paused') await this.stop(rec.id, opts);
    await this.start(rec.id);
    this.emit(rec, 'restart');
  }

  async pause(ref: string): Promise<void> {
    const rec = this.find(ref);
    await this.lifecycle.locks.run(rec.id, () => this.lifecycle.pause(rec.id));
  }

  async unpause(ref: string): Promise<void> {
    const rec = this.find(ref);
    await this.lifecycle.locks.run(rec.id, () => this.lifecycle.unpause(rec.id));
  }

  async rename(ref: string, newName: string): Promise<void> {
    const rec = this.find(ref);
    if (!newName) throw invalidArgument('Neither old nor new names may be empty');
    if (!VALID_NAME.test(newName)) throw invalidArgument(`Invalid container name (${newName}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
    const name = newName.startsWith('/') ? newName : `/${newName}`;
    if (name === rec.name) throw invalidArgument(`Renaming a container with the same name as its current name`);
    this.d.store.reserveName(name, rec.id);
    const old = rec.name;
    let renamed: ContainerRecord;
    try {
      renamed = await this.d.store.update(rec.id, (c) => {
        c.name = name;
        renameEndpoints(c, old.slice(1), name.slice(1));
      });
    } catch (err) {
      this.d.store.releaseName(name, rec.id);
      throw err;
    }
    this.d.networks.renameContainer(rec.id, name.slice(1), Object.values(thaw<ContainerData>(renamed).network?.endpoints ?? {}));
    this.emit(renamed, 'rename', { oldName: old });
  }

  /** `rm` (`force` kills a running one first; `volumes` also removes its anonymous volumes). */
  async remove(ref: string, opts: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    const rec = this.find(ref);
    if (rec.state.status === 'running' || rec.state.status === 'paused' || rec.state.status === 'restarting') {
      // A container waiting to restart counts as running (moby keeps Running set), until forced.
      if (!opts.force) {
        const why = rec.state.status === 'paused' ? 'container is paused and must be unpaused first' : `container is ${rec.state.status}: stop the container before removing or force remove`;
        throw conflict(`cannot remove container "${rec.name}": ${why}`);
      }
    }
    await this.cancelRestart(rec.id);
    if (opts.force) await this.killForRemoval(rec.id);
    const gone = await this.lifecycle.locks.run(rec.id, async () => {
      const cur = this.find(rec.id);
      if (cur.state.status === 'running' || cur.state.status === 'paused') throw conflict(`cannot remove container "${cur.name}": could not kill it`);
      // An exited container was already deleted from the runtime when its exit was recorded.
      const wasCreated = cur.state.status === 'created';
      const removing = await this.d.store.update(cur.id, (c) => {
        c.state.status = 'removing';
      });
      if (wasCreated) await this.lifecycle.deleteFromRuntime(cur).catch(() => {});
      await stopNetwork(thaw<ContainerData>(removing), this.d.networks).catch(() => {});
      await unmountRootfs(rootfsPaths(this.d.store.dir(cur.id)));
      await removeAll(this.lifecycle.bundle(cur.id));
      await this.d.store.delete(cur.id);
      const errors = await dropMountPoints(removing, this.d.volumes, opts.volumes ?? false);
      if (errors.length) this.d.log.warn('removing a container\'s volumes failed', { id: cur.id, errors });
      return removing;
    });
    this.emit(gone, 'destroy');
    this.execs.forget(gone.id);
    this.lifecycle.forget(gone.id);
    this.closePendingAttach(gone.id);
    this.notify(gone.id, 'removed', { statusCode: gone.state.exitCode });
  }

  /**
   * `rm --link /source/alias` (moby's rmLink): the source forgets the link, and a running source's
   * /etc/hosts loses its entry. moby's errors (500s) for a name that is not a link.
   */
  async removeLink(ref: string): Promise<void> {
    const link = this.d.store.findLink(ref);
    if (!link) {
      const full = ref.startsWith('/') ? ref : `/${ref}`;
      this.find(ref);
      const slash = full.indexOf('/', 1);
      if (slash < 0) throw new BerthError('Internal', 'Conflict, cannot remove the default link name of the container');
      throw new BerthError('Internal', `Cannot get parent ${full.slice(0, slash)} for link name ${full}`);
    }
    await this.lifecycle.locks.run(link.source.id, async () => {
      const source = await this.d.store.update(link.source.id, (c) => {
        c.links = (c.links ?? []).filter((l) => l.alias !== link.alias);
        if (!c.links.length) delete c.links;
      });
      if (this.isRunning(source.id) && source.network?.endpoints.bridge) await editHostsFile(this.lifecycle.hostsPath(source), (h) => removeHostsEntry(h, link.alias));
    });
  }

  /** `HostConfig.Links` as inspect shows them: `/<target>:/<source>/<alias>`. */
  links(rec: ContainerRecord): string[] {
    return inspectLinks(rec, (id) => this.d.store.get(id));
  }

  /** Every container's names for `ps`: its own, then the links' names to it, as moby sorts them. */
  names(): (rec: ContainerRecord) => string[] {
    const links = this.d.store.linkNames();
    return (rec) => [rec.name, ...(links.get(rec.id) ?? [])].sort();
  }

  /** `network connect`: at once on a running container, at its next start otherwise. */
  async connect(ref: string, network: string, req: EndpointRequest): Promise<void> {
    const rec = this.find(ref);
    await this.lifecycle.locks.run(rec.id, () => this.d.store.update(rec.id, (c) => connectNetwork(c, network, req, this.d.networks, (resolver) => this.rewriteResolvConf(c, resolver))));
  }

  /** `network disconnect`. */
  async disconnect(ref: string, network: string): Promise<void> {
    const rec = this.find(ref);
    await this.lifecycle.locks.run(rec.id, () => this.d.store.update(rec.id, (c) => disconnectNetwork(c, network, this.d.networks, (resolver) => this.rewriteResolvConf(c, resolver))));
  }

  /**
   * A running container's resolv.conf when network connect/disconnect changed its embedded
   * resolver. A failure is logged, not thrown: the endpoint is there and must be recorded.
   */
  private async rewriteResolvConf(rec: ContainerRecord, resolver: string | undefined): Promise<void> {
    const h = rec.hostConfig;
    await rewriteResolvConf(etcPaths(this.d.store.dir(rec.id)).resolvConf, { dns: h.dns.length ? [...h.dns] : this.d.defaultDns(), dnsSearch: [...h.dnsSearch], dnsOptions: [...h.dnsOptions], resolver }).catch((err: unknown) =>
      this.d.log.warn('rewriting resolv.conf failed', { id: rec.id, err }),
    );
  }

  /** Resolves when the condition holds: Docker's `/wait`. Registered at once (before start). */
  waitFor(id: string, condition: WaitCondition): Promise<{ statusCode: number; error?: string }> {
    const rec = this.d.store.get(id);
    if (!rec) return Promise.reject(notFound(`No such container: ${id}`));
    if (condition === 'not-running' && rec.state.status !== 'running' && rec.state.status !== 'paused' && rec.state.status !== 'restarting') {
      return Promise.resolve({ statusCode: rec.state.exitCode });
    }
    return new Promise((resolve) => {
      let set = this.waiters.get(id);
      if (!set) this.waiters.set(id, (set = new Set()));
      set.add({ condition, resolve });
    });
  }

  private notify(id: string, event: 'exit' | 'removed', result: { statusCode: number; error?: string }): void {
    const set = this.waiters.get(id);
    if (!set) return;
    for (const w of [...set]) {
      if (event === 'removed' || w.condition !== 'removed') {
        set.delete(w);
        w.resolve(result);
      }
    }
    if (set.size === 0 || event === 'removed') this.waiters.delete(id);
  }

  private async afterExit(rec: ContainerRecord): Promise<void> {
    const result = { statusCode: rec.state.exitCode, ...(rec.state.error ? { error: rec.state.error } : {}) };
    // The exit was recorded as "restarting" already (moby's SetRestarting): a client acting on
    // the exit (rm without force) finds the container still counted as running.
    if (rec.state.status === 'restarting') {
      await this.scheduleRestart(rec).catch((err: unknown) => this.d.log.warn('scheduling a restart failed', { id: rec.id, err }));
      this.notify(rec.id, 'exit', result);
      return;
    }
    if (rec.hostConfig.autoRemove) {
      // Waiters for next-exit see the exit; `removed` waiters wait for the removal below.
      const set = this.waiters.get(rec.id);
      for (const w of [...(set ?? [])]) {
        if (w.condition !== 'removed') {
          set!.delete(w);
          w.resolve(result);
        }
      }
      await this.remove(rec.id, { force: true, volumes: true }).catch((err: unknown) => this.d.log.warn('auto-remove failed', { id: rec.id, err }));
      return;
    }
    this.notify(rec.id, 'exit', result);
  }

  /** Docker's backoff: 100 ms doubling per quick restart, reset after 10 s of running. */
  private async scheduleRestart(rec: ContainerRecord): Promise<void> {
    const ranFor = Date.parse(rec.state.finishedAt) - Date.parse(rec.state.startedAt);
    const attempt = ranFor > 10_000 ? 0 : rec.restartCount;
    const delay = Math.min(100 * 2 ** attempt, 60_000);
    await this.d.store.update(rec.id, (c) => {
      c.state.status = 'restarting';
    });
    const timer = setTimeout(() => {
      this.restartTimers.delete(rec.id);
      // Straight to the lifecycle: the container stays "restarting" until it runs again.
      this.lifecycle.locks
        .run(rec.id, async () => {
          const cur = this.d.store.get(rec.id);
          if (!cur || cur.state.status !== 'restarting' || cur.state.stoppedByUser) return;
          await this.d.store.update(cur.id, (c) => {
            c.restartCount++;
          });
          await this.lifecycle.start(cur.id);
        })
        .catch((err: unknown) => {
          this.d.log.warn('restart failed', { id: rec.id, err });
        });
    }, delay);
    timer.unref();
    this.restartTimers.set(rec.id, timer);
  }

  /** Drops a pending restart; a container waiting for one is exited again (written before it returns). */
  private async cancelRestart(id: string): Promise<void> {
    const t = this.restartTimers.get(id);
    if (t) clearTimeout(t);
    this.restartTimers.delete(id);
    if (this.d.store.get(id)?.state.status !== 'restarting') return;
    await this.d.store.update(id, (c) => {
      if (c.state.status === 'restarting') c.state.status = 'exited';
    });
  }

  /** `rm -f`: kills the container for good, also one its restart policy is bringing back right now. */
  private async killForRemoval(id: string): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      // A restart under way runs under the container's lock: let it finish, then stop the container.
      await this.lifecycle.locks.run(id, async () => {});
      const cur = await this.markStoppedByUser(id);
      if (cur.state.status !== 'running' && cur.state.status !== 'paused') return;
      const exit = this.waitFor(id, 'next-exit');
      if (cur.state.status === 'paused') await this.lifecycle.unpause(id).catch(() => {});
      await this.lifecycle.signal(this.find(id), 9).catch(() => {});
      await Promise.race([exit, sleep(30_000)]);
    }
  }

  /** `stop`, `kill` and `rm -f` from a user: restart policies leave the container down. */
  private markStoppedByUser(id: string): Promise<ContainerRecord> {
    return this.d.store.update(id, (c) => {
      c.state.stoppedByUser = true;
    });
  }

  /**
   * Streams a container's output to an attached client: now if it runs, else from its next start
   * (the docker CLI attaches before it starts a container). Returns the detach function.
   */
  attach(id: string, out: OutputListener, onClose: () => void): () => void {
    const io = this.lifecycle.ioOf(id);
    if (io) return io.subscribe(out, onClose);
    const p: PendingAttach = { out, onClose };
    let set = this.pendingAttach.get(id);
    if (!set) this.pendingAttach.set(id, (set = new Set()));
    set.add(p);
    return () => {
      this.pendingAttach.get(id)?.delete(p);
      p.detach?.();
    };
  }

  /** Stdin for a container; before it starts, kept until it does (`docker run -i` sends at once). */
  writeStdin(id: string, data: Buffer): Promise<void> {
    const io = this.lifecycle.ioOf(id);
    if (io) return io.writeStdin(data);
    if (this.d.store.get(id)?.state.status === 'created' || this.d.store.get(id)?.state.status === 'exited') {
      const p = this.pendingStdin.get(id) ?? { chunks: [], closed: false };
      p.chunks.push(Buffer.from(data));
      this.pendingStdin.set(id, p);
    }
    return Promise.resolve();
  }

  closeStdin(id: string): void {
    const io = this.lifecycle.ioOf(id);
    if (io) {
      io.closeStdin();
      return;
    }
    const p = this.pendingStdin.get(id) ?? { chunks: [], closed: false };
    p.closed = true;
    this.pendingStdin.set(id, p);
  }

  async resize(ref: string, height: number, width: number): Promise<void> {
    const rec = this.find(ref);
    await this.lifecycle.resize(rec, height, width);
  }

  /**
   * A container's log records, then (`follow`) new ones until it stops.
   * @throws BerthError NotImplemented at once for the `none` driver, which keeps no log (moby's words).
   */
  logs(ref: string, opts: LogsOptions): AsyncGenerator<LogRecord> {
    const rec = this.find(ref);
    if (rec.hostConfig.logConfig.type === 'none') throw new BerthError('NotImplemented', 'configured logging driver does not support reading');
    return this.readLogs(rec, opts);
  }

  private async *readLogs(rec: ContainerRecord, opts: LogsOptions): AsyncGenerator<LogRecord> {
    const path = this.lifecycle.logPath(rec.id);
    if (!opts.follow) await this.firstOutput(rec, path, opts.signal);
    const { records, offset } = await readLogs(logFiles(path), { tail: opts.tail, sinceNs: opts.sinceNs, untilNs: opts.untilNs });
    yield* records;
    if (!opts.follow || opts.untilNs !== undefined) return;
    let pos = offset;
    const generation = rec.generation;
    // Held open: a container removed right after its exit keeps its last lines readable here.
    let fh = await open(path, 'r').catch(() => undefined);
    try {
      for (;;) {
        if (opts.signal.aborted) return;
        const cur = this.d.store.get(rec.id);
        const running = cur !== undefined && (cur.state.status === 'running' || cur.state.status === 'paused' || cur.state.status === 'restarting') && cur.generation >= generation;
        let chunk;
        try {
          fh ??= await open(path, 'r');
          chunk = await readFromHandle(fh, pos);
        } catch {
          return;
        }
        pos = chunk.next;
        for (const r of splitRecords(chunk.data)) {
          if (opts.sinceNs === undefined || r.timeNs >= opts.sinceNs) yield r;
        }
        if (chunk.data.length === 0 && (await replaced(path, fh))) {
          // Rotated: the old file is read to its end; the new one from its start.
          await fh.close();
          fh = undefined;
          pos = 0;
          continue;
        }
        if (!running && chunk.data.length === 0) return;
        await sleep(100, opts.signal);
      }
    } finally {
      await fh?.close();
    }
  }

  /**
   * A container started moments ago may not have written yet: its start returns once its process
   * has been executed, and a client that reads the log at once (docker-py's own tests start `ls`
   * and read its log) would find it empty where Docker's slower start hides the race. Waits, at
   * most until FRESH_LOG_MS after the start, for the first output or the exit.
   */
  private async firstOutput(rec: ContainerRecord, path: string, signal: AbortSignal): Promise<void> {
    const deadline = Date.parse(rec.state.startedAt) + FRESH_LOG_MS;
    for (;;) {
      const cur = this.d.store.get(rec.id);
      if (cur?.state.status !== 'running' || Date.now() >= deadline || signal.aborted) return;
      if ((await stat(path).catch(() => undefined))?.size) return;
      await sleep(5, signal);
    }
  }

  /**
   * `docker update`: new resource limits (applied to a running container through the runtime)
   * and restart policy, kept for the next starts.
   */
  async update(ref: string, changes: Partial<Pick<HostConfig, 'memory' | 'memorySwap' | 'memoryReservation' | 'nanoCpus' | 'cpuShares' | 'cpuPeriod' | 'cpuQuota' | 'cpusetCpus' | 'cpusetMems' | 'pidsLimit' | 'blkioWeight' | 'restartPolicy'>>): Promise<void> {
    const rec = this.find(ref);
    await this.lifecycle.locks.run(rec.id, async () => {
      if (changes.restartPolicy && rec.hostConfig.autoRemove && changes.restartPolicy.name && changes.restartPolicy.name !== 'no') {
        throw invalidArgument('Restart policy cannot be updated because AutoRemove is enabled for the container');
      }
      const next = { ...rec, hostConfig: { ...rec.hostConfig, ...changes } };
      // Docker: a new memory limit above the old swap limit raises nothing by itself.
      if (changes.memory && !changes.memorySwap && rec.hostConfig.memorySwap > 0 && changes.memory > rec.hostConfig.memorySwap) {
        throw invalidArgument('Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time');
      }
      const limits = resources(next);
      if (rec.state.status === 'running' || rec.state.status === 'paused') {
        await this.lifecycle.updateResources(rec, limits);
      }
      await this.d.store.update(rec.id, (c) => {
        Object.assign(c.hostConfig, structuredClone(changes));
      });
    });
    this.emit(rec, 'update');
  }

  /**
   * Puts a stopped container's writable layer (overlay upper dir) into the empty directory
   * `dir`: moved when the container is about to be removed, else copied. The mount points of
   * berth's /etc files are left out, as `commit` leaves them out.
   */
  async exportWritableLayer(ref: string, dir: string, move: boolean): Promise<void> {
    const rec = this.find(ref);
    await this.lifecycle.locks.run(rec.id, async () => {
      if (this.isRunning(rec.id)) throw conflict(`container ${rec.id} is running`);
      const paths = rootfsPaths(this.d.store.dir(rec.id));
      await unmountRootfs(paths);
      if (move) {
        await rename(paths.upper, dir);
        await mkdir(paths.upper);
      } else {
        await execFileP('cp', ['-a', `${paths.upper}/.`, dir]);
      }
      // Only a real etc/ directory: a symlink there (the step's own) must not be followed.
      const etc = await lstat(join(dir, 'etc')).catch(() => undefined);
      if (etc?.isDirectory()) for (const f of ['hosts', 'hostname', 'resolv.conf']) await rm(join(dir, 'etc', f), { force: true });
    });
  }

  isRunning(id: string): boolean {
    const s = this.d.store.get(id)?.state.status;
    return s === 'running' || s === 'paused';
  }
}


/** Whether `path` names another file than the open `fh` now (a rotation renamed it away). */
async function replaced(path: string, fh: FileHandle): Promise<boolean> {
  const [held, now] = await Promise.all([fh.stat(), stat(path).catch(() => undefined)]);
  return now !== undefined && now.ino !== held.ino;
}
