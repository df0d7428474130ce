/**
 * Named and anonymous volumes with Docker's `local` driver: create, inspect, list, remove,
 * prune, and the mounts containers make of them. A volume is in use while any container
 * (running or not) lists it in its mounts; containers tell the service so (`reference`).
 */
import { mkdir } from 'node:fs/promises';
import { randomId } from '../base/ids.js';
import { BerthError, conflict, invalidArgument, notFound } from '../base/errors.js';
import { directorySize } from '../base/dir-size.js';
import { KeyedMutex } from '../base/lock.js';
import { thaw, type DeepReadonly } from '../base/record-table.js';
import type { Logger } from '../base/log.js';
import { mountLocal, needsMount, unmountLocal, validateLocalOptions } from './local-driver.js';
import type { VolumeStore } from './volume-store.js';
import { ANONYMOUS_LABEL, type Volume, type VolumeRecord } from './types.js';

/** moby's local driver name rule (daemon/names): two characters at least. */
const VALID_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

export interface VolumeServiceDeps {
  store: VolumeStore;
  publish: (action: string, name: string, attrs: Record<string, string>) => void;
  log: Logger;
}

export interface CreateVolume {
  name?: string | undefined;
  driver?: string | undefined;
  labels?: Record<string, string> | undefined;
  options?: Record<string, string> | undefined;
}

export interface MountEvent {
  container: string;
  destination: string;
  readWrite: boolean;
  propagation: string;
}

export class VolumeService {
  private readonly refs = new Map<string, Set<string>>();
  /** Containers running with each option-mounted volume: the device stays mounted while any do. */
  private readonly active = new Map<string, Set<string>>();
  private readonly locks = new KeyedMutex();

  constructor(private readonly d: VolumeServiceDeps) {}

  /** After a restart: `running` lists which containers still run with which volumes. */
  async init(running: { container: string; volume: string }[]): Promise<void> {
    for (const { container, volume } of running) {
      const rec = this.d.store.get(volume);
      if (!rec || !needsMount(rec.options ?? {})) continue;
      let set = this.active.get(volume);
      if (!set) this.active.set(volume, (set = new Set()));
      set.add(container);
    }
    // A device left mounted by a crash with nobody using it is unmounted.
    for (const rec of this.d.store.all()) {
      if (needsMount(rec.options ?? {}) && !this.active.has(rec.name)) await unmountLocal(this.d.store.dataDir(rec.name));
    }
  }

  /** A copy for the caller, with what only the service knows (mount point, users). */
  private view(rec: DeepReadonly<VolumeRecord>): Volume {
    return { ...thaw<VolumeRecord>(rec), mountpoint: this.d.store.dataDir(rec.name), refs: [...(this.refs.get(rec.name) ?? [])] };
  }

  async create(req: CreateVolume): Promise<Volume> {
    const driver = req.driver || 'local';
    if (driver !== 'local') throw new BerthError('NotFound', `error looking up volume plugin ${driver}: plugin "${driver}" not found`);
    const name = req.name || randomId();
    if (name.length === 1) throw invalidArgument(`create ${name}: volume name is too short, names should be at least two alphanumeric characters`);
    if (!VALID_NAME.test(name)) {
      throw invalidArgument(`create ${name}: "${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`);
    }
    const options = req.options ?? null;
    return this.locks.run(name, async () => {
      const existing = this.d.store.get(name);
      // Docker returns the existing volume: `create` is idempotent for a name.
      if (existing) return this.view(existing);
      try {
        validateLocalOptions(options ?? {});
      } catch (err) {
        throw invalidArgument(`create ${name}: ${(err as Error).message}`);
      }
      const rec: VolumeRecord = {
        schemaVersion: 1,
        name,
        driver: 'local',
        labels: req.labels ?? null,
        options,
        createdAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      };
      await mkdir(this.d.store.dataDir(name), { recursive: true, mode: 0o755 });
      await this.d.store.create(rec);
      this.d.publish('create', name, { driver: 'local' });
      return this.view(rec);
    });
  }

  /** A fresh anonymous volume, for `-v /path` or an image's VOLUME. */
  createAnonymous(): Promise<Volume> {
    return this.create({ labels: { [ANONYMOUS_LABEL]: '' } });
  }

  get(name: string): Volume {
    const rec = this.d.store.get(name);
    if (!rec) throw notFound(`get ${name}: no such volume`);
    return this.view(rec);
  }

  has(name: string): boolean {
    return this.d.store.get(name) !== undefined;
  }

  list(): Volume[] {
    return this.d.store.all().map((r) => this.view(r));
  }

  isAnonymous(v: DeepReadonly<VolumeRecord>): boolean {
    return v.labels !== null && ANONYMOUS_LABEL in v.labels;
  }

  /** Bytes the volume's files take (`system df -v`). */
  size(name: string): number {
    return directorySize(this.d.store.dataDir(name));
  }

  async remove(name: string, opts: { force?: boolean } = {}): Promise<void> {
    await this.locks.run(name, async () => {
      const rec = this.d.store.get(name);
      if (!rec) {
        if (opts.force) return;
        throw notFound(`get ${name}: no such volume`);
      }
      const users = this.refs.get(name);
      if (users?.size) throw conflict(`remove ${name}: volume is in use - [${[...users].join(', ')}]`);
      await unmountLocal(this.d.store.dataDir(name));
      await this.d.store.delete(name);
      this.d.publish('destroy', name, { driver: 'local' });
    });
  }

  /**
   * `volume prune`: unused anonymous volumes, or all unused ones with `all`; label filters
   * apply. Volumes with mount options (a device, a tmpfs) are never pruned, as in moby.
   */
  async prune(match: (v: Volume) => boolean, all: boolean): Promise<{ deleted: string[]; reclaimed: number }> {
    if (this.pruning) throw conflict('a prune operation is already running');
    this.pruning = true;
    try {
      return await this.pruneUnused(match, all);
    } finally {
      this.pruning = false;
    }
  }
  private pruning = false;

  private async pruneUnused(match: (v: Volume) => boolean, all: boolean): Promise<{ deleted: string[]; reclaimed: number }> {
    const deleted: string[] = [];
    let reclaimed = 0;
    for (const v of this.list()) {
      if (v.refs.length || (!all && !this.isAnonymous(v)) || (v.options !== null && Object.keys(v.options).length > 0) || !match(v)) continue;
      const size = this.size(v.name);
      try {
        await this.remove(v.name);
      } catch (err) {
        // In use by now, or gone: prune skips it, as Docker's does.
        this.d.log.debug('prune skipped a volume', { name: v.name, err });
        continue;
      }
      deleted.push(v.name);
      reclaimed += size;
    }
    this.d.publish('prune', '', { reclaimed: String(reclaimed) });
    return { deleted, reclaimed };
  }

  /** Records that a container's mounts use the volume (at create, and for all at start-up). */
  reference(name: string, container: string): void {
    let set = this.refs.get(name);
    if (!set) this.refs.set(name, (set = new Set()));
    set.add(container);
  }

  release(name: string, container: string): void {
    const set = this.refs.get(name);
    set?.delete(container);
    if (set?.size === 0) this.refs.delete(name);
  }

  /** The directory a starting container binds; mounts the volume's device on first use. */
  async mount(name: string, ev: MountEvent, quiet = false): Promise<string> {
    return this.locks.run(name, async () => {
      const rec = this.d.store.get(name);
      if (!rec) throw notFound(`get ${name}: no such volume`);
      const dir = this.d.store.dataDir(name);
      if (needsMount(rec.options ?? {})) {
        await mountLocal(rec.options ?? {}, dir);
        let set = this.active.get(name);
        if (!set) this.active.set(name, (set = new Set()));
        set.add(ev.container);
      }
      if (!quiet) this.d.publish('mount', name, { container: ev.container, destination: ev.destination, driver: 'local', propagation: ev.propagation, 'read/write': String(ev.readWrite) });
      return dir;
    });
  }

  /** A container stopped: the device is unmounted when its last user goes. */
  async unmount(name: string, container: string, quiet = false): Promise<void> {
    await this.locks.run(name, async () => {
      const rec = this.d.store.get(name);
      if (!rec) return;
      const set = this.active.get(name);
      if (set) {
        set.delete(container);
        if (set.size === 0) {
          this.active.delete(name);
          await unmountLocal(this.d.store.dataDir(name)).catch((err: unknown) => this.d.log.warn('volume unmount failed', { name, err }));
        }
      }
      if (!quiet) this.d.publish('unmount', name, { container, driver: 'local' });
    });
  }
}
