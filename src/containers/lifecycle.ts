/**
 * Running containers: start (rootfs, /etc files, spec, the shim's create and start), exits (as
 * the shim records them), stop/kill/pause, restart policies and re-adoption after a berthd restart.
 */
import { access, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { BerthError, conflict, notFound } from '../base/errors.js';
import { thaw } from '../base/record-table.js';
import { UndoStack } from '../base/undo.js';
import { atomicWriteFile } from '../base/fs.js';
import { KeyedMutex } from '../base/lock.js';
import type { Logger } from '../base/log.js';
import { resolveInRoot } from '../base/root-path.js';
import { buildOciSpec, runtimeUnsupported, type OciResources, OciRuntime, resolveUser, type RuntimeBinary, type Shim, type ShimContainer, type Supervised } from '../runtime/index.js';
import { ContainerIO } from './container-io.js';
import { rotateIfNeeded } from './log-rotation.js';
import { LOG_DRIVER_ERROR, logOptions } from './log-config.js';
import type { ContainerStore } from './container-store.js';
import { etcPaths, writeEtcFiles } from './etc-files.js';
import { createRootfsDirs, mountRootfs, mountShm, rootfsPaths, unmountRootfs } from './rootfs.js';
import { prepareMounts, releaseMounts, type ContainerVolumes } from './container-mounts.js';
import { restoreNetwork, startNetwork, stopNetwork, type ContainerNetworks } from './container-network.js';
import { NETWORK_ERROR } from '../network/index.js';
import { devices } from './devices.js';
import { ipcNamespace, NAMESPACE_ERROR, pidNamespace } from './namespaces.js';
import { restartsAfterExit } from './restart-policy.js';
import { LINK_ERROR, linkSetup, mergeEnv, updateLinkingHosts } from './links.js';
import { capabilities, checkSecurityOpts, etcMounts, hostCapabilities, noNewPrivileges, processEnv, resources, rlimits, seccompFor, signalNumber } from './run-spec.js';
import type { ContainerData, ContainerRecord, ContainerStatus } from './types.js';

export interface ImageLookup {
  /** The image's config (Env, User, WorkingDir…) and layers, by ID. */
  imageConfig(id: string): Promise<{ env: string[]; user: string; workingDir: string }>;
  layerDirs(layers: readonly string[]): Promise<string[]>;
}

export interface LifecycleDeps {
  store: ContainerStore;
  images: ImageLookup;
  execRoot: string;
  /** What supervises each container's process apart from berthd. */
  shim: Shim;
  runtimes: () => Record<string, RuntimeBinary>;
  defaultRuntime: () => string;
  emit: (rec: ContainerRecord, action: string, attrs?: Record<string, string>) => void;
  log: Logger;
  /** Called after an exit was recorded, for waiters, auto-removal and restart policies. */
  onExit: (rec: ContainerRecord) => void;
  /** The attach connection is up and the process not yet running: clients attached before start join here. */
  ioReady: (id: string, io: ContainerIO) => void;
  volumes: ContainerVolumes;
  networks: ContainerNetworks;
  /** The default bridge's gateway (`--add-host x:host-gateway`). */
  hostGateway: () => string;
  defaultDns: () => string[];
  health: HealthHooks;
}

/** What the lifecycle tells the health monitor (see health-monitor.ts). */
export interface HealthHooks {
  started(id: string): Promise<void>;
  restored(id: string): Promise<void>;
  stopped(id: string): Promise<void>;
  paused(id: string): Promise<void>;
  resumed(id: string): void;
}

export type WaitCondition = 'not-running' | 'next-exit' | 'removed';

export class Lifecycle {
  readonly locks = new KeyedMutex();
  private readonly io = new Map<string, ContainerIO>();
  private poller: NodeJS.Timeout | undefined;
  private rotator: NodeJS.Timeout | undefined;
  private readonly hostCaps = hostCapabilities();

  constructor(private readonly d: LifecycleDeps) {}

  get execRoot(): string {
    return this.d.execRoot;
  }

  bundle(id: string): string {
    return join(this.d.execRoot, 'containers', id);
  }

  logPath(id: string): string {
    return join(this.d.store.dir(id), 'container.log');
  }

  private persistDir(id: string): string {
    return join(this.d.store.dir(id), 'persist');
  }

  get shim(): Shim {
    return this.d.shim;
  }

  /** The container as its shim knows it. */
  shimView(rec: ContainerRecord): ShimContainer {
    return { id: rec.id, bundle: this.bundle(rec.id), runtime: this.runtimeFor(rec).bin, persistDir: this.persistDir(rec.id) };
  }

  /** A created container that never ran leaves the runtime through its shim. */
  deleteFromRuntime(rec: ContainerRecord): Promise<void> {
    return this.d.shim.delete(this.shimView(rec));
  }

  runtimeFor(rec: ContainerRecord): OciRuntime {
    const name = rec.hostConfig.runtime || this.d.defaultRuntime();
    const bin = this.d.runtimes()[name];
    if (!bin) throw new BerthError('InvalidArgument', `unknown or invalid runtime name: ${name}`);

    return new OciRuntime(bin);
  }

  ioOf(id: string): ContainerIO | undefined {
    const io = this.io.get(id);
    return io && !io.isClosed ? io : undefined;
  }

  /** Follows the shim's exits; a slow poll backs it up (and notices a dead shim). */
  watchExits(): void {
    this.d.shim.watch((id) => void this.exited(id));
    this.poller = setInterval(() => {
      const running = this.d.store.all().filter((r) => r.state.status === 'running' || r.state.status === 'paused');
      void this.d.shim.suspects(running.map((r) => ({ id: r.id, shimPid: r.state.shimPid }))).then((ids) => {
        for (const id of ids) void this.exited(id);
      });
    }, 2000);
    this.poller.unref();
    this.rotator = setInterval(() => void this.rotateLogs(), 500);
    this.rotator.unref();
  }

  /** Rotates the logs of running containers that have max-size (see log-rotation.ts). */
  private async rotateLogs(): Promise<void> {
    for (const rec of this.d.store.all()) {
      if (rec.state.status !== 'running' && rec.state.status !== 'paused') continue;
      let limits;
      try {
        limits = logOptions(rec.hostConfig.logConfig);
      } catch {
        continue;
      }
      await rotateIfNeeded(this.logPath(rec.id), limits, () => this.d.shim.reopenLog(this.shimView(rec))).catch((err: unknown) => this.d.log.warn('log rotation failed', { id: rec.id, err }));
    }
  }

  close(): void {
    this.d.shim.close();
    if (this.rotator) clearInterval(this.rotator);
    if (this.poller) clearInterval(this.poller);
    for (const io of this.io.values()) io.close();
    this.io.clear();
  }

  /** Starts a created or stopped container; the caller holds the container's lock. */
  async start(id: string): Promise<void> {
    const rec = this.current(id);
    if (rec.state.status === 'running' || rec.state.status === 'paused') throw new BerthError('NotModified', 'container already started');
    if (rec.state.status === 'removing') throw conflict(`cannot start container ${rec.id}: container is marked for removal`);
    checkSecurityOpts(rec);
    const runtime = this.runtimeFor(rec);
    // Fail at once with the reason, rather than after crun's own error (or a hang).
    const why = runtimeUnsupported(runtime.bin.name);
    if (why) throw new BerthError('InvalidArgument', why);
    const undo = new UndoStack();
    // The network layer records each endpoint here as it makes it, so a failure part-way is undone.
    const work = thaw<ContainerData>(rec);
    try {
      await this.launch(rec, work, runtime, undo);
      await this.d.shim.start(this.shimView(rec), this.current(id).state.pid);
      this.lap(rec, 'started');
      await this.d.health.started(id).catch((err: unknown) => this.d.log.warn('starting the health monitor failed', { id, err }));
      this.d.emit(this.current(id), 'start');
      await updateLinkingHosts(this.current(id), this.d.store.all(), (r) => this.hostsPath(r)).catch((err: unknown) => this.d.log.warn('updating the hosts of containers linked to it failed', { id, err }));
    } catch (err) {
      const message = (err as Error).message;
      await undo.unwind((what, e) => this.d.log.warn(`undoing a failed start: ${what}`, { id, err: e }));
      await this.d.store
        .update(id, (c) => {
          const status = c.state.status === 'created' ? 'created' : 'exited';
          // What a failed teardown left stays recorded, for the next cleanup to find.
          c.network = work.network;
          c.state = { ...c.state, status, pid: 0, shimPid: 0, error: message, exitCode: startExitCode(message), finishedAt: status === 'exited' ? new Date().toISOString() : c.state.finishedAt };
        })
        .catch(() => {});
      // Only the runtime's own failures get moby's "failed to create task" wrapping.
      if (err instanceof BerthError && (err.kind !== 'Internal' || err.code === NETWORK_ERROR || err.code === LINK_ERROR || err.code === LOG_DRIVER_ERROR || err.code === NAMESPACE_ERROR)) throw err;
      throw new BerthError('Internal', `failed to create task for container: OCI runtime create failed: ${message}: unknown`, { cause: err });
    }
  }

  private readonly t0 = new Map<string, number>();
  private lap(rec: ContainerRecord, what: string): void {
    const t0 = this.t0.get(rec.id) ?? performance.now();
    this.t0.set(rec.id, t0);
    this.d.log.debug(`start ${rec.id.slice(0, 12)}: ${what}`, { ms: Math.round(performance.now() - t0) });
    if (what === 'started') this.t0.delete(rec.id);
  }

  /**
   * Everything up to a created (not yet running) process under its shim, each step registering its
   * undo; then records the container as running, so a crash from here on finds it to re-adopt.
   * The shim starts as soon as the bundle directory exists: its own start-up (exec, libraries,
   * options, ~7 ms for conmon) runs beside the other steps, and it runs the runtime's create once
   * config.json is written. A step that fails ends it first.
   */
  private async launch(rec: ContainerRecord, work: ContainerData, runtime: OciRuntime, undo: UndoStack): Promise<void> {
    this.t0.set(rec.id, performance.now());
    await this.settled(rec.id);
    // The log driver's values are checked first (moby's New() at task creation).
    const logs = logOptions(rec.hostConfig.logConfig);
    const bundle = this.bundle(rec.id);
    const shimmed = { ...this.shimView(rec), runtime: runtime.bin };
    const configWritten = Promise.withResolvers<void>();
    const bundleMade = rm(bundle, { recursive: true, force: true }).then(async () => {
      await mkdir(bundle, { recursive: true, mode: 0o700 });
    });
    const created = bundleMade.then(() =>
      this.d.shim.create(
        {
          ...shimmed,
          name: rec.name.slice(1),
          logPath: logs.driver === 'none' ? undefined : this.logPath(rec.id),
          terminal: rec.config.tty,
          stdin: rec.config.openStdin,
          leaveStdinOpen: rec.config.openStdin && !rec.config.stdinOnce,
        },
        configWritten.promise,
      ),
    );
    // Both are awaited (by this and by the shim) only on some paths: no rejection is unhandled.
    created.catch(() => {});
    configWritten.promise.catch(() => {});
    let identity: EtcIdentity;
    let started: Supervised;
    try {
      identity = await this.writeBundle(rec, work, undo, bundleMade);
      configWritten.resolve();
      started = await created;
    } catch (err) {
      // The shim ends without running the runtime (or its create failed, which is `err`).
      configWritten.reject(err as Error);
      await created.catch(() => {});
      throw err;
    }
    undo.push('delete the runtime container', () => this.d.shim.delete(shimmed));
    this.lap(rec, 'created by the shim');
    await this.attachAndRecord(rec, work, undo, started, identity);
  }

  /** The rootfs, the network, the /etc files and the runtime spec in the bundle; each step registers its undo. */
  private async writeBundle(rec: ContainerRecord, work: ContainerData, undo: UndoStack, bundleMade: Promise<void>): Promise<EtcIdentity> {
    const bundle = this.bundle(rec.id);
    const dir = this.d.store.dir(rec.id);
    const root = rootfsPaths(dir);
    // Independent of each other: the bundle, the root filesystem, the image's config, the network.
    const [merged, image, net] = await allSteps([
      bundleMade,
      (async () => {
        await createRootfsDirs(root);
        const target = await mountRootfs(root, await this.d.images.layerDirs(rec.layers));
        undo.push('unmount the rootfs', () => unmountRootfs(root));
        return target;
      })(),
      this.d.images.imageConfig(rec.imageId),
      (() => {
        undo.push('tear the network down', () => stopNetwork(work, this.d.networks));
        return startNetwork(work, this.d.networks, (r) => this.d.store.find(r));
      })(),
    ]).then(([, ...rest]) => rest);
    this.lap(rec, 'rootfs and network up');
    const mode = rec.hostConfig.networkMode;
    // moby: `--network container:X` takes X's hostname and shares X's /etc files.
    const joined = mode.startsWith('container:') ? this.d.store.find(mode.slice('container:'.length)) : undefined;
    const etcOwner = joined ? (joined.etcOwner ?? joined.id) : rec.id;
    const hostname = joined ? joined.config.hostname || joined.id.slice(0, 12) : rec.config.hostname || rec.id.slice(0, 12);
    const domainname = joined ? joined.config.domainname : rec.config.domainname;
    const hostNetwork = net.spec.mode === 'host';
    const links = work.network?.endpoints.bridge ? await linkSetup(rec, { get: (r) => this.d.store.get(r), env: (t) => this.targetEnv(t) }) : { env: [], hosts: [] };
    const etc = etcPaths(this.d.store.dir(etcOwner));
    if (!joined) {
      await writeEtcFiles(etc, {
        hostname,
        domainname,
        ip: net.ip,
        ips: net.ips,
        resolver: net.resolver,
        hostGateway: this.d.hostGateway(),
        extraHosts: [...rec.hostConfig.extraHosts],
        dns: rec.hostConfig.dns.length ? [...rec.hostConfig.dns] : this.d.defaultDns(),
        dnsSearch: [...rec.hostConfig.dnsSearch],
        dnsOptions: [...rec.hostConfig.dnsOptions],
        hostNetwork,
        links: links.hosts,
      });
    }
    const user = resolveUser(merged, rec.config.user || image.user, [...rec.hostConfig.groupAdd]);
    const cwd = rec.config.workingDir || image.workingDir || '/';
    // Docker creates a missing working directory (owned by root) inside the container.
    await mkdir(resolveInRoot(merged, cwd), { recursive: true, mode: 0o755 });
    const mountedVolumes: string[] = [];
    undo.push('release the volumes', () => releaseMounts(rec, this.d.volumes, mountedVolumes));
    const storage = await prepareMounts(rec, this.d.volumes, mountedVolumes);
    const caps = capabilities(rec, this.hostCaps);
    const dev = await devices(rec);
    const ipc = ipcNamespace(rec, (r) => this.d.store.find(r), (r) => rootfsPaths(this.d.store.dir(r.id)).shm);
    // Unmounted with the rootfs (the undo above, exits, recovery, removal).
    if (ipc.ownShm) await mountShm(root, rec.hostConfig.shmSize || 64 * 1024 * 1024);
    const spec = buildOciSpec({
      id: rec.id,
      rootfs: merged,
      readonlyRootfs: rec.hostConfig.readonlyRootfs,
      // Docker: host networking keeps a private UTS namespace named like the host; --uts host has none.
      hostname: rec.hostConfig.utsMode === 'host' ? '' : hostNetwork && !rec.config.hostname ? await hostName() : hostname,
      domainname,
      // --init: Docker's docker-init (tini) as PID 1, bind-mounted from the host's static build.
      args: rec.hostConfig.init ? [INIT_PATH, '--', rec.path, ...rec.args] : [rec.path, ...rec.args],
      env: processEnv(rec, image.env, hostname, user.home, links.env),
      cwd,
      user,
      terminal: rec.config.tty,
      consoleSize: [...rec.hostConfig.consoleSize],
      capabilities: caps,
      privileged: rec.hostConfig.privileged,
      noNewPrivileges: noNewPrivileges(rec),
      seccomp: seccompFor(rec, caps),
      rlimits: rlimits(rec, this.hostCaps.includes('CAP_SYS_RESOURCE')),
      network: net.spec,
      ipc: ipc.ipc,
      shm: ipc.shm,
      pid: pidNamespace(rec, (r) => this.d.store.find(r)),
      uts: rec.hostConfig.utsMode === 'host' ? { mode: 'host' } : { mode: 'new' },
      shmSize: rec.hostConfig.shmSize || 64 * 1024 * 1024,
      // The user's mounts come last: one on /etc/hosts (say) replaces berth's.
      mounts: [...etcMounts(etc, rec.hostConfig.readonlyRootfs), ...(rec.hostConfig.init ? [await initMount()] : []), ...storage.mounts],
      rootfsPropagation: storage.rootfsPropagation,
      resources: resources(rec),
      cgroupsPath: `/berth/${rec.id}`,
      devices: dev.devices,
      deviceRules: dev.rules,
      sysctl: { ...rec.hostConfig.sysctls },
      annotations: {},
    });
    this.lap(rec, 'spec built');
    await atomicWriteFile(join(bundle, 'config.json'), JSON.stringify(spec));
    return { joined: joined !== undefined, etcOwner, hostname, domainname };
  }

  /** Attached before the process runs, so its first bytes reach clients attached before start; then recorded as running. */
  private async attachAndRecord(rec: ContainerRecord, work: ContainerData, undo: UndoStack, started: Supervised, identity: EtcIdentity): Promise<void> {
    const shimmed = this.shimView(rec);
    this.io.get(rec.id)?.close();
    const io = new ContainerIO(await this.d.shim.attach(shimmed));
    this.io.set(rec.id, io);
    undo.push('close the stdio', () => {
      io.close();
      if (this.io.get(rec.id) === io) this.io.delete(rec.id);
    });
    this.d.ioReady(rec.id, io);
    if (rec.config.tty && rec.hostConfig.consoleSize[0] > 0) await this.d.shim.resize(this.bundle(rec.id), rec.hostConfig.consoleSize[0], rec.hostConfig.consoleSize[1]).catch(() => {});
    await this.d.store.update(rec.id, (c) => {
      c.generation++;
      c.network = work.network;
      if (identity.joined) {
        c.etcOwner = identity.etcOwner;
        c.config.hostname = identity.hostname;
        c.config.domainname = identity.domainname;
      } else {
        delete c.etcOwner;
      }
      c.state = { ...c.state, status: 'running', pid: started.pid, shimPid: started.shimPid, exitCode: 0, error: '', oomKilled: false, startedAt: new Date().toISOString(), stoppedByUser: false };
    });
    this.lap(rec, 'attached and recorded');
  }

  /** A link target's environment as moby's Config.Env holds it: its own over its image's. */
  private async targetEnv(target: ContainerRecord): Promise<string[]> {
    const image = await this.d.images.imageConfig(target.imageId).catch(() => ({ env: [] as string[] }));
    return mergeEnv(target.config.env, image.env);
  }

  /** The /etc/hosts a container sees: its own, or that of the container whose network it joined. */
  hostsPath(rec: ContainerRecord): string {
    return etcPaths(this.d.store.dir(rec.etcOwner ?? rec.id)).hosts;
  }

  private current(id: string): ContainerRecord {
    const rec = this.d.store.get(id);
    if (!rec) throw notFound(`No such container: ${id}`);
    return rec;
  }

  /** Sends a signal to the container's init. */
  async signal(rec: ContainerRecord, sig: number): Promise<void> {
    if (rec.state.status !== 'running' && rec.state.status !== 'paused') throw conflict(`Container ${rec.id} is not running`);
    try {
      await this.d.shim.kill(this.shimView(rec), sig, rec.state.status === 'running' ? rec.state.pid : undefined);
    } catch (err) {
      // It exited between our check and the signal: that is what the caller wanted anyway.
      if (!/not running|container not found|does not exist/i.test((err as Error).message)) throw err;
    }
  }

  stopSignal(rec: ContainerRecord, imageStopSignal?: string): number {
    return signalNumber(rec.config.stopSignal || imageStopSignal, 'SIGTERM');
  }

  async pause(id: string): Promise<void> {
    const rec = this.current(id);
    if (rec.state.status === 'paused') throw conflict(`Container ${rec.id} is already paused`);
    if (rec.state.status !== 'running') throw conflict(`Container ${rec.id} is not running`);
    await this.runtimeFor(rec).pause(rec.id);
    await this.d.health.paused(id).catch((err: unknown) => this.d.log.warn('pausing the health monitor failed', { id, err }));
    this.d.emit(await this.setStatus(id, 'paused'), 'pause');
  }

  async unpause(id: string): Promise<void> {
    const rec = this.current(id);
    if (rec.state.status !== 'paused') throw conflict(`Container ${rec.id} is not paused`);
    await this.runtimeFor(rec).resume(rec.id);
    const running = await this.setStatus(id, 'running');
    this.d.health.resumed(id);
    this.d.emit(running, 'unpause');
  }

  private setStatus(id: string, status: ContainerStatus): Promise<ContainerRecord> {
    return this.d.store.update(id, (c) => {
      c.state.status = status;
    });
  }

  /**
   * Records an exit if the shim has recorded one (or died without one). Safe to call at any time,
   * from the watcher, the poll, or recovery.
   */
  async exited(id: string): Promise<void> {
    await this.locks.run(id, async () => {
      const rec = this.d.store.get(id);
      if (!rec || (rec.state.status !== 'running' && rec.state.status !== 'paused')) return;
      const shimmed = this.shimView(rec);
      const exit = await this.d.shim.exit(shimmed, rec.state.shimPid);
      if (!exit) return;
      const t0 = performance.now();
      await this.d.health.stopped(id).catch((err: unknown) => this.d.log.warn('stopping the health monitor failed', { id, err }));
      const work = thaw<ContainerData>(rec);
      if (rec.state.status === 'paused') await this.runtimeFor(rec).resume(id).catch(() => {});
      this.deleteLater(shimmed);
      await stopNetwork(work, this.d.networks).catch((err: unknown) => this.d.log.warn('network teardown failed', { id, err }));
      this.io.get(id)?.close();
      this.io.delete(id);
      await unmountRootfs(rootfsPaths(this.d.store.dir(id)));
      await rm(this.bundle(id), { recursive: true, force: true });
      await releaseMounts(rec, this.d.volumes);
      const done = await this.d.store.update(id, (c) => {
        // What a failed teardown left stays recorded, for the next cleanup to find.
        c.network = work.network;
        c.state = { ...c.state, status: 'exited', pid: 0, shimPid: 0, exitCode: exit.code, error: exit.error, oomKilled: exit.oomKilled, finishedAt: new Date().toISOString() };
        if (restartsAfterExit(c)) c.state.status = 'restarting';
      });
      this.d.log.debug(`exit ${id.slice(0, 12)} recorded`, { ms: Math.round(performance.now() - t0) });
      if (exit.oomKilled) this.d.emit(done, 'oom');
      this.d.emit(done, 'die', { exitCode: String(exit.code) });
    });
    const rec = this.d.store.get(id);
    if (rec && (rec.state.status === 'exited' || rec.state.status === 'restarting') && rec.state.finishedAt !== this.lastExit.get(id)) {
      this.lastExit.set(id, rec.state.finishedAt);
      this.d.onExit(rec);
    }
  }
  private readonly lastExit = new Map<string, string>();

  /**
   * The runtime's state of an exited container (its cgroup, runc's state dir) goes after the exit
   * is recorded: `runc delete` costs a process start, and nothing waits on it but a new start of
   * the same container, which awaits it (`settled`). A crash meanwhile leaves state that
   * recover() sweeps.
   */
  private deleteLater(c: ShimContainer): void {
    const done = this.d.shim.delete(c).catch((err: unknown) => this.d.log.warn('runtime delete failed', { id: c.id, err }));
    this.deleting.set(c.id, done);
    void done.finally(() => {
      if (this.deleting.get(c.id) === done) this.deleting.delete(c.id);
    });
  }
  private readonly deleting = new Map<string, Promise<void>>();

  /** Resolves once the runtime no longer holds an exited container's state. */
  async settled(id: string): Promise<void> {
    await this.deleting.get(id);
  }

  /** Runtime state of containers that do not run: left by a crash between an exit and its delete. */
  private async sweepRuntimeState(): Promise<void> {
    for (const runtime of Object.values(this.d.runtimes())) {
      const ids = await readdir(runtime.root).catch(() => [] as string[]);
      for (const id of ids) {
        const rec = this.d.store.get(id);
        if (!/^[0-9a-f]{64}$/.test(id) || rec?.state.status === 'running' || rec?.state.status === 'paused') continue;
        await this.d.shim.delete({ id, runtime, bundle: this.bundle(id), persistDir: this.persistDir(id) }).catch((err: unknown) => this.d.log.warn('removing stale runtime state failed', { id, err }));
      }
    }
  }

  /** A removed container's bookkeeping goes with it: a daemon that runs for months sees millions. */
  forget(id: string): void {
    this.lastExit.delete(id);
    // A failed start leaves its timer's origin behind.
    this.t0.delete(id);
  }

  /** After a berthd restart: re-adopt live containers, record exits that happened meanwhile. */
  async recover(): Promise<void> {
    await this.sweepRuntimeState();
    for (const rec of this.d.store.all()) {
      if (rec.state.status === 'running' || rec.state.status === 'paused') {
        if (await this.d.shim.supervising(this.shimView(rec), rec.state.shimPid)) {
          try {
            this.io.set(rec.id, new ContainerIO(await this.d.shim.attach(this.shimView(rec))));
          } catch (err) {
            this.d.log.warn('cannot reattach to a running container', { id: rec.id, err });
          }
          await restoreNetwork(thaw<ContainerData>(rec), this.d.networks).catch((err: unknown) => this.d.log.warn('cannot restore a container\'s network', { id: rec.id, err }));
          await this.d.health.restored(rec.id).catch((err: unknown) => this.d.log.warn('restoring the health monitor failed', { id: rec.id, err }));
          continue;
        }
        await this.exited(rec.id);
      } else {
        // A restart that was waiting its backoff when berthd went down: the policy decides again.
        if (rec.state.status === 'restarting') await this.setStatus(rec.id, 'exited');
        // A crash between mount and record can leave a rootfs mounted, or a sandbox behind.
        await unmountRootfs(rootfsPaths(this.d.store.dir(rec.id)));
        if (!rec.network) await this.d.networks.clearStaleSandbox(rec.id, Object.keys(rec.networks ?? {})).catch(() => {});
        if (rec.network) {
          const work = thaw<ContainerData>(rec);
          await stopNetwork(work, this.d.networks).catch((err: unknown) => this.d.log.warn('network cleanup failed', { id: rec.id, err }));
          await this.d.store.update(rec.id, (c) => {
            c.network = work.network;
          });
        }
      }
    }
  }

  /** New limits for a running container, through `<runtime> update --resources`. */
  async updateResources(rec: ContainerRecord, limits: OciResources): Promise<void> {
    const file = join(this.bundle(rec.id), 'resources.json');
    await atomicWriteFile(file, JSON.stringify(limits));
    await this.runtimeFor(rec).update(rec.id, file);
  }

  async resize(rec: ContainerRecord, height: number, width: number): Promise<void> {
    if (rec.state.status !== 'running' && rec.state.status !== 'paused') throw conflict(`Container ${rec.id} is not running`);
    if (!rec.config.tty) return;
    await this.d.shim.resize(this.bundle(rec.id), height, width);
  }
}

const INITS = ['/usr/bin/tini-static', '/usr/bin/catatonit', '/usr/libexec/podman/catatonit'];

/** Where Docker puts its init in a container. */
const INIT_PATH = '/sbin/docker-init';

/** The host's static tini (Debian's tini package), mounted read-only as the container's init. */
async function initMount(): Promise<{ destination: string; type: string; source: string; options: string[] }> {
  const found = await Promise.all(INITS.map((p) => access(p).then(() => p, () => undefined)));
  const source = found.find((p) => p !== undefined);
  if (!source) throw new BerthError('InvalidArgument', '--init needs a static init on the host (Debian package tini, /usr/bin/tini-static)');
  return { destination: INIT_PATH, type: 'bind', source, options: ['rbind', 'ro', 'rprivate'] };
}

function hostName(): Promise<string> {
  return readFile('/proc/sys/kernel/hostname', 'utf8').then(
    (s) => s.trim(),
    () => 'localhost',
  );
}

/**
 * Promise.all that waits for every step before failing: a step still running when another failed
 * would register its undo after the unwinding began, and what it made would stay behind.
 */
async function allSteps<T extends readonly unknown[]>(steps: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(steps);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/** Whose /etc files and names a container uses: its own, or those of the container whose network it joined. */
interface EtcIdentity {
  joined: boolean;
  etcOwner: string;
  hostname: string;
  domainname: string;
}

/** Docker's exit codes for a process that could not be started (moby's translateContainerdStartErr). */
export function startExitCode(message: string): number {
  if (/executable file not found|no such file or directory|system cannot find the file/i.test(message)) return 127;
  if (/permission denied/i.test(message)) return 126;
  return 128;
}
