/**
 * What is inside a container, for `top`, `stats`, `diff`, `export`, `commit` and `cp`: its
 * processes, its resource usage and its files (its rootfs is mounted for the call when stopped).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { conflict, invalidArgument } from '../base/errors.js';
import type { Digest } from '../base/digest.js';
import { directorySize } from '../base/dir-size.js';
import { randomId } from '../base/ids.js';
import { resolveInRoot } from '../base/root-path.js';
import { writeLayerTar } from '../base/tar/index.js';
import { applyChanges } from '../images/index.js';
import { readCgroupStats, readNetStats, type CgroupStats, type NetStats } from '../runtime/index.js';
import { archivePath, extractInto, statPath, type PathStat } from './archive.js';
import { diffUpper, exportRootfs, type Change } from './container-fs.js';
import type { ContainerStore } from './container-store.js';
import type { CommitRequest, ContainerImages } from './image-access.js';
import { healthToImageConfig } from './health-config.js';
import type { ContainerConfigJson } from '../images/index.js';
import type { Lifecycle } from './lifecycle.js';
import type { ContainerVolumes } from './container-mounts.js';
import { ContainerViews, type ViewMount } from './container-view.js';
import { createRootfsDirs, mounted, mountRootfs, rootfsPaths, unmountRootfs } from './rootfs.js';
import type { ContainerRecord } from './types.js';

const execFileP = promisify(execFile);

export interface ContainerContentDeps {
  store: ContainerStore;
  images: ContainerImages;
  layerDir: (diffId: string) => string;
  lifecycle: Lifecycle;
  emit: (rec: ContainerRecord, action: string, attrs?: Record<string, string>) => void;
  pause: (id: string) => Promise<void>;
  unpause: (id: string) => Promise<void>;
  volumes: ContainerVolumes;
}

export class ContainerContent {
  private readonly views: ContainerViews;

  constructor(private readonly d: ContainerContentDeps) {
    this.views = new ContainerViews(join(d.lifecycle.execRoot, 'cp'));
  }

  private isRunning(id: string): boolean {
    const s = this.d.store.get(id)?.state.status;
    return s === 'running' || s === 'paused';
  }

  /** `docker top`: the host's `ps` output for the container's processes. */
  async top(ref: string, psArgs: string): Promise<{ titles: string[]; processes: string[][] }> {
    const rec = this.d.store.find(ref);
    if (rec.state.status !== 'running' && rec.state.status !== 'paused') throw conflict(`Container ${rec.id} is not running`);
    const pids = new Set(await this.d.lifecycle.runtimeFor(rec).pids(rec.id));
    const args = psArgs.trim() ? psArgs.trim().split(/\s+/) : ['-ef'];
    const { stdout } = await execFileP('ps', args).catch((err: unknown) => {
      throw invalidArgument(`ps: ${(err as { stderr?: string }).stderr?.trim() || (err as Error).message}`);
    });
    const lines = stdout.split('\n').filter(Boolean);
    const titles = (lines[0] ?? '').trim().split(/\s+/);
    const pidCol = titles.indexOf('PID');
    if (pidCol < 0) throw invalidArgument(`Couldn't find PID field in ps output`);
    const processes = lines.slice(1).map((l) => {
      const f = l.trim().split(/\s+/);
      // The last column (the command) keeps its spaces.
      return [...f.slice(0, titles.length - 1), f.slice(titles.length - 1).join(' ')];
    });
    return { titles, processes: processes.filter((p) => pids.has(Number(p[pidCol]))) };
  }

  /** One sample of the container's resource usage, Docker's stats shape (without the pre-sample). */
  stats(ref: string): { rec: ContainerRecord; sample: (CgroupStats & { networks?: Record<string, NetStats> }) | undefined } {
    const rec = this.d.store.find(ref);
    const running = rec.state.status === 'running' || rec.state.status === 'paused';
    if (!running) return { rec, sample: undefined };
    // Host-network containers have no interfaces of their own (Docker shows none).
    const networks = rec.hostConfig.networkMode === 'host' ? undefined : readNetStats(rec.state.pid);
    return { rec, sample: { ...readCgroupStats(`/berth/${rec.id}`), ...(networks ? { networks } : {}) } };
  }

  diff(ref: string): Change[] {
    const rec = this.d.store.find(ref);
    const paths = rootfsPaths(this.d.store.dir(rec.id));
    return diffUpper(paths.upper, this.lowerDirsSync(rec));
  }

  private lowerDirsSync(rec: ContainerRecord): string[] {
    return rec.layers.map((l) => this.d.layerDir(l));
  }

  /** `docker export`: the container's filesystem as a tar (mounted for the export when stopped). */
  async export(ref: string, out: Writable, signal?: AbortSignal): Promise<void> {
    const rec = this.d.store.find(ref);
    const paths = rootfsPaths(this.d.store.dir(rec.id));
    await this.d.lifecycle.locks.run(rec.id, async () => {
      const wasMounted = await mounted(paths.merged);
      if (!wasMounted) await mountRootfs(paths, await this.d.images.layerDirs(rec.layers));
      try {
        await exportRootfs(paths.merged, out, signal);
      } finally {
        if (!wasMounted && !this.isRunning(rec.id)) await unmountRootfs(paths);
      }
    });
    this.d.emit(rec, 'export');
  }

  /** `docker commit`: the container's writable layer as a new image on top of its image. */
  async commit(ref: string, req: CommitRequest): Promise<Digest> {
    const rec = this.d.store.find(ref);
    const paths = rootfsPaths(this.d.store.dir(rec.id));
    // A stopped container is committed as it is; only a running one is paused (and only if asked).
    const pause = req.pause && rec.state.status === 'running' && (await this.pauseUnlessExited(rec.id));
    try {
      const base = await this.d.images.imageContainerConfig(rec.imageId);
      const env = new Map<string, string>();
      for (const e of [...(base.Env ?? []), ...rec.config.env.filter((x) => x.includes('='))]) env.set(e.split('=', 1)[0]!, e);
      const config = applyChanges(
        {
          ...base,
          Hostname: rec.config.hostname || rec.id.slice(0, 12),
          Domainname: rec.config.domainname,
          User: rec.config.user || base.User || '',
          Env: [...env.values()],
          Cmd: rec.config.cmd ? [...rec.config.cmd] : (base.Cmd ?? null),
          Entrypoint: rec.config.entrypoint ? [...rec.config.entrypoint] : (base.Entrypoint ?? null),
          WorkingDir: rec.config.workingDir || base.WorkingDir || '',
          Labels: rec.config.labels,
          ExposedPorts: Object.keys(rec.config.exposedPorts).length ? rec.config.exposedPorts : base.ExposedPorts,
          Volumes: Object.keys(rec.config.volumes).length ? rec.config.volumes : (base.Volumes ?? null),
          ...(rec.config.stopSignal ? { StopSignal: rec.config.stopSignal } : {}),
          ...(rec.config.healthcheck ? { Healthcheck: healthToImageConfig(rec.config.healthcheck) } : {}),
        },
        req.changes,
      );
      const tar = new PassThrough();
      const writing = writeLayerTar(paths.upper, tar, { whiteouts: 'overlay', exclude: new Set(['etc/hosts', 'etc/hostname', 'etc/resolv.conf']) });
      writing.catch((err: unknown) => tar.destroy(err as Error));
      const id = await this.d.images.commit(tar, {
        parent: rec.imageId,
        config,
        tag: req.tag,
        comment: req.comment,
        author: req.author,
        containerId: rec.id,
        containerConfig: dockerContainerConfig(rec),
        createdBy: [rec.path, ...rec.args].join(' '),
      });
      await writing;
      this.d.emit(rec, 'commit', { comment: req.comment, imageID: id, ...(req.tag ? { imageRef: req.tag } : {}) });
      return id;
    } finally {
      if (pause) await this.d.unpause(rec.id).catch(() => {});
    }
  }

  /**
   * Pauses a running container for a commit. One whose process has just ended (its exit not yet
   * recorded) cannot be paused, and needs not be: false, and the commit goes on unpaused.
   */
  private async pauseUnlessExited(id: string): Promise<boolean> {
    try {
      await this.d.pause(id);
      return true;
    } catch (err) {
      if (!this.isRunning(id)) return false;
      const state = await this.d.lifecycle.runtimeFor(this.d.store.find(id)).state(id).catch(() => undefined);
      if (state && state.status !== 'stopped') throw err;
      return false;
    }
  }

  /**
   * Runs `fn` on the container's root filesystem, mounting it for the call when the container
   * is not running (so `cp` works on stopped containers too).
   */
  private async withRootfs<T>(rec: ContainerRecord, fn: (rootfs: string) => Promise<T>): Promise<T> {
    const paths = rootfsPaths(this.d.store.dir(rec.id));
    if (this.isRunning(rec.id) && (await mounted(paths.merged))) return fn(paths.merged);
    return this.d.lifecycle.locks.run(rec.id, async () => {
      const wasMounted = await mounted(paths.merged);
      if (!wasMounted) {
        await createRootfsDirs(paths);
        await mountRootfs(paths, await this.d.images.layerDirs(rec.layers));
      }
      try {
        return await fn(paths.merged);
      } finally {
        if (!wasMounted && !this.isRunning(rec.id)) await unmountRootfs(paths);
      }
    });
  }

  /**
   * Runs `fn` on the container's filesystem as the container sees it: its root filesystem with
   * its volumes and bind mounts in place (moby's openContainerFS), running or not.
   */
  private withFilesystem<T>(ref: string, fn: (root: string, rec: ContainerRecord) => Promise<T>): Promise<T> {
    const rec = this.d.store.find(ref);
    return this.withRootfs(rec, async (rootfs) => {
      // The view holds the volumes it mounts in its own name: a running container keeps its hold.
      const holder = `${rec.id}/cp/${randomId().slice(0, 12)}`;
      const held: string[] = [];
      try {
        const mounts = await this.viewMounts(rec, holder, held);
        return await this.views.with(rootfs, mounts, (root) => fn(root, rec));
      } finally {
        for (const name of held) await this.d.volumes.unmount(name, holder, true).catch(() => {});
      }
    });
  }

  /** The container's volumes and binds, as its start mounts them (tmpfs stays out, as in moby). */
  private async viewMounts(rec: ContainerRecord, holder: string, held: string[]): Promise<ViewMount[]> {
    const out: ViewMount[] = [];
    for (const m of rec.mounts ?? []) {
      if (m.type === 'tmpfs') continue;
      let source = m.source;
      if (m.type === 'volume') {
        source = await this.d.volumes.mount(m.name, { container: holder, destination: m.destination, readWrite: m.rw, propagation: m.propagation }, true);
        held.push(m.name);
        // Inside the volume, symlinks included, as at start.
        if (m.subpath) source = resolveInRoot(source, m.subpath);
      } else if (!existsSync(source) && m.createSource) {
        await mkdir(source, { recursive: true, mode: 0o755 });
      }
      if (!existsSync(source)) throw invalidArgument(`invalid mount config for type "${m.type}": bind source path does not exist: ${source}`);
      out.push({ source, destination: m.destination, rw: m.rw, recursive: !m.nonRecursive });
    }
    return out;
  }

  statPath(ref: string, path: string): Promise<PathStat> {
    return this.withFilesystem(ref, async (root, rec) => statPath(root, path, rec.name.slice(1)));
  }

  /** The stat of `path` is known (and a missing path a 404) before the first byte of the tar. */
  getArchive(ref: string, path: string, begin: (stat: PathStat) => Writable, signal?: AbortSignal): Promise<void> {
    return this.withFilesystem(ref, async (root, rec) => {
      const stat = statPath(root, path, rec.name.slice(1));
      await archivePath(root, path, rec.name.slice(1), begin(stat), signal);
    });
  }

  putArchive(ref: string, path: string, input: Readable, signal?: AbortSignal): Promise<void> {
    return this.withFilesystem(ref, async (root, rec) => {
      checkWritable(rec, containerPath(root, resolveInRoot(root, path)));
      await extractInto(root, path, rec.name.slice(1), input, signal);
    });
  }

  /** Bytes in the container's writable layer (`SizeRw`, `ps -s`). */
  sizeRw(id: string): number {
    return directorySize(rootfsPaths(this.d.store.dir(id)).upper);
  }
}

/** The container's Config as moby's JSON has it (Go field order, its omitempty fields left out when empty). */
function dockerContainerConfig(rec: ContainerRecord): ContainerConfigJson {
  const c = rec.config;
  return {
    Hostname: c.hostname || rec.id.slice(0, 12),
    Domainname: c.domainname,
    User: c.user,
    AttachStdin: c.attachStdin,
    AttachStdout: c.attachStdout,
    AttachStderr: c.attachStderr,
    ...(Object.keys(c.exposedPorts).length ? { ExposedPorts: { ...c.exposedPorts } } : {}),
    Tty: c.tty,
    OpenStdin: c.openStdin,
    StdinOnce: c.stdinOnce,
    Env: [...c.env],
    Cmd: c.cmd ? [...c.cmd] : null,
    Image: c.image,
    Volumes: Object.keys(c.volumes).length ? { ...c.volumes } : null,
    WorkingDir: c.workingDir,
    Entrypoint: c.entrypoint ? [...c.entrypoint] : null,
    OnBuild: c.onBuild ? [...c.onBuild] : null,
    Labels: { ...c.labels },
    ...(c.stopSignal ? { StopSignal: c.stopSignal } : {}),
    ...(c.stopTimeout !== undefined ? { StopTimeout: c.stopTimeout } : {}),
  };
}

/** The container's path of a host path in its filesystem view. */
function containerPath(root: string, host: string): string {
  return host.slice(root.length) || '/';
}

/** moby's checks before an extraction: a read-only mount, or a read-only rootfs outside the mounts. */
function checkWritable(rec: ContainerRecord, path: string): void {
  const inside = (dest: string): boolean => path === dest || path.startsWith(dest === '/' ? '/' : `${dest}/`);
  const mount = (rec.mounts ?? []).find((m) => m.type !== 'tmpfs' && inside(m.destination));
  if (mount && !mount.rw) throw invalidArgument('mounted volume is marked read-only');
  if (!mount && rec.hostConfig.readonlyRootfs) throw invalidArgument('container rootfs is marked read-only');
}
