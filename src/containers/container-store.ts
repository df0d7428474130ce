import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { atomicWriteJson, ensureDir, readJsonIfExists, removeAll } from '../base/fs.js';
import { BerthError, conflict, notFound } from '../base/errors.js';
import { RecordTable } from '../base/record-table.js';
import type { ContainerData, ContainerRecord } from './types.js';

/**
 * Container records, one directory each (`<root>/<id>/container.json` plus the container's
 * files: rootfs layers, logs, /etc files, bundle). Served from memory as frozen snapshots; every
 * change goes through {@link ContainerStore.update}, written atomically before it is visible.
 * Names are unique (Docker keeps them with a leading '/').
 */
export class ContainerStore {
  private readonly table: RecordTable<ContainerData>;
  private readonly byName = new Map<string, string>();

  constructor(readonly root: string) {
    this.table = new RecordTable<ContainerData>({ noun: 'container', persist: (id, rec) => this.write(id, rec) });
  }

  async init(): Promise<ContainerRecord[]> {
    await ensureDir(this.root, 0o711);
    for (const id of await readdir(this.root)) {
      if (!/^[0-9a-f]{64}$/.test(id)) continue;
      const rec = await readJsonIfExists<ContainerData>(this.file(id));
      // A directory without a record is a create that crashed before it was recorded.
      if (!rec) {
        await removeAll(join(this.root, id));
        continue;
      }
      this.table.load(id, rec);
      this.byName.set(rec.name, id);
    }
    return this.table.all();
  }

  dir(id: string): string {
    return join(this.root, id);
  }

  private file(id: string): string {
    return join(this.root, id, 'container.json');
  }

  private async write(id: string, rec: ContainerData): Promise<void> {
    await ensureDir(this.dir(id), 0o710);
    await atomicWriteJson(this.file(id), rec);
  }

  all(): ContainerRecord[] {
    return this.table.all();
  }

  get(id: string): ContainerRecord | undefined {
    return this.table.get(id);
  }

  /**
   * Full ID, name (with or without '/'), a legacy link's name (`/source/alias`, its target), or a
   * unique ID prefix, as Docker resolves them.
   */
  find(ref: string): ContainerRecord {
    const exact = this.table.get(ref) ?? this.table.get(this.byName.get(ref.startsWith('/') ? ref : `/${ref}`) ?? '') ?? this.linkTarget(ref);
    if (exact) return exact;
    if (/^[0-9a-f]+$/.test(ref)) {
      const hits = this.table.keys().filter((id) => id.startsWith(ref));
      if (hits.length === 1) return this.table.get(hits[0]!)!;
      if (hits.length > 1) throw new BerthError('InvalidArgument', `multiple IDs found with provided prefix: ${ref}`);
    }
    throw notFound(`No such container: ${ref}`);
  }

  /** The source and alias a link's name (`/source/alias`) stands for, if the source has that link. */
  findLink(ref: string): { source: ContainerRecord; alias: string; targetId: string } | undefined {
    const full = ref.startsWith('/') ? ref : `/${ref}`;
    const slash = full.indexOf('/', 1);
    if (slash < 0) return undefined;
    const source = this.table.get(this.byName.get(full.slice(0, slash)) ?? '');
    const alias = full.slice(slash + 1);
    const link = source?.links?.find((l) => l.alias === alias);
    return source && link ? { source, alias, targetId: link.targetId } : undefined;
  }

  private linkTarget(ref: string): ContainerRecord | undefined {
    const link = this.findLink(ref);
    return link ? this.table.get(link.targetId) : undefined;
  }

  /** Every container's link names (`/source/alias`), by target ID: the other names `ps` lists. */
  linkNames(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const source of this.table.all()) {
      for (const l of source.links ?? []) out.set(l.targetId, [...(out.get(l.targetId) ?? []), `${source.name}/${l.alias}`]);
    }
    return out;
  }

  nameTaken(name: string): string | undefined {
    return this.byName.get(name);
  }

  /** Claims a name for a new or renamed container (in memory, until written): fails if another holds it. */
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

  /** Records a new container (its name reserved first). */
  async create(rec: ContainerData): Promise<ContainerRecord> {
    const saved = await this.table.insert(rec.id, rec);
    this.byName.set(rec.name, rec.id);
    return saved;
  }

  /**
   * The one way a container's record changes: `change` edits a copy under the record's lock; the
   * copy is written atomically, then becomes what `get`/`find` return. A rename (a new `name`,
   * reserved first) releases the old name once written.
   */
  async update(id: string, change: (draft: ContainerData) => void | Promise<void>): Promise<ContainerRecord> {
    const before = this.table.get(id);
    const after = await this.table.update(id, change);
    if (before && before.name !== after.name) {
      this.releaseName(before.name, id);
      this.byName.set(after.name, id);
    }
    return after;
  }

  async delete(id: string): Promise<void> {
    // The record goes first: a crash after it leaves a directory that init() sweeps.
    const rec = await this.table.remove(id, () => removeAll(this.file(id)));
    if (!rec) return;
    this.releaseName(rec.name, id);
    await removeAll(this.dir(id));
  }
}
