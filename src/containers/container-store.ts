import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { atomicWriteJson, ensureDir, readJsonIfExists, removeAll } from '../base/fs.js';
import { BerthError, conflict, notFound } from '../base/errors.js';
import type { ContainerRecord } from './types.js';

/**
 * Container records, one directory each (`<root>/<id>/container.json` plus the container's
 * files: rootfs layers, logs, /etc files, bundle). Served from memory; every change is written
 * through atomically before it returns. Names are unique (Docker keeps them with a leading '/').
 */
export class ContainerStore {
  private readonly byId = new Map<string, ContainerRecord>();
  private readonly byName = new Map<string, string>();

  constructor(readonly root: string) {}

  async init(): Promise<ContainerRecord[]> {
    await ensureDir(this.root, 0o711);
    for (const id of await readdir(this.root)) {
      if (!/^[0-9a-f]{64}$/.test(id)) continue;
      const rec = await readJsonIfExists<ContainerRecord>(this.file(id));
      // A directory without a record is a create that crashed before it was recorded.
      if (!rec) {
        await removeAll(join(this.root, id));
        continue;
      }
      this.byId.set(id, rec);
      this.byName.set(rec.name, id);
    }
    return [...this.byId.values()];
  }

  dir(id: string): string {
    return join(this.root, id);
  }

  private file(id: string): string {
    return join(this.root, id, 'container.json');
  }

  all(): ContainerRecord[] {
    return [...this.byId.values()];
  }

  get(id: string): ContainerRecord | undefined {
    return this.byId.get(id);
  }

  /** Full ID, name (with or without '/'), or a unique ID prefix, as Docker resolves them. */
  find(ref: string): ContainerRecord {
    const exact = this.byId.get(ref) ?? this.byId.get(this.byName.get(ref.startsWith('/') ? ref : `/${ref}`) ?? '');
    if (exact) return exact;
    if (/^[0-9a-f]+$/.test(ref)) {
      const hits = [...this.byId.keys()].filter((id) => id.startsWith(ref));
      if (hits.length === 1) return this.byId.get(hits[0]!)!;
      if (hits.length > 1) throw new BerthError('InvalidArgument', `multiple IDs found with provided prefix: ${ref}`);
    }
    throw notFound(`No such container: ${ref}`);
  }

  nameTaken(name: string): string | undefined {
    return this.byName.get(name);
  }

  /** Claims a name for a new container (in memory, until `put`): fails if another holds it. */
  reserveName(name: string, id: string): void {
    const holder = this.byName.get(name);
    if (holder !== undefined && holder !== id) {
      throw conflict(`Conflict. The container name "${name}" is already in use by container "${holder}". You have to remove (or rename) that container to be able to reuse that name.`);
    }
    this.byName.set(name, id);
  }

  releaseName(name: string, id: string): void {
    if (this.byName.get(name) === id) this.byName.delete(name);
  }

  async put(rec: ContainerRecord): Promise<void> {
    await ensureDir(this.dir(rec.id), 0o710);
    await atomicWriteJson(this.file(rec.id), rec);
    const old = this.byId.get(rec.id);
    if (old && old.name !== rec.name) this.releaseName(old.name, rec.id);
    this.byId.set(rec.id, rec);
    this.byName.set(rec.name, rec.id);
  }

  async delete(id: string): Promise<void> {
    const rec = this.byId.get(id);
    if (!rec) return;
    // The record goes first: a crash after it leaves a directory that init() sweeps.
    await removeAll(this.file(id));
    this.byId.delete(id);
    this.releaseName(rec.name, id);
    await removeAll(this.dir(id));
  }
}
