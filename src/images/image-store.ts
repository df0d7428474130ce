import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { hexOf, isDigest, type Digest } from '../base/digest.js';
import { atomicWriteJson, ensureDir, readJsonIfExists } from '../base/fs.js';
import { rm } from 'node:fs/promises';
import { Mutex } from '../base/lock.js';
import { RecordTable, type DeepReadonly } from '../base/record-table.js';
import type { ImageRecord } from './types.js';

interface RefsFile {
  schemaVersion: 1;
  /** Full reference ("docker.io/library/busybox:latest" or "…@sha256:…") → image ID. */
  refs: Record<string, Digest>;
  /** Full reference → when it was last pointed at its image. */
  tagTimes: Record<string, string>;
}

/**
 * Persistent image records (`records/<hex>.json`) and the reference map (`refs.json`, one
 * atomically replaced file, as Docker's repositories.json). All reads are served from memory, as
 * frozen snapshots; every change is written through before it is visible.
 */
export class ImageRecordStore {
  private readonly recordsDir: string;
  private readonly refsPath: string;
  private readonly records = new RecordTable<ImageRecord>({ noun: 'image', persist: (_id, rec) => atomicWriteJson(join(this.recordsDir, `${hexOf(rec.id)}.json`), rec) });
  private refs: RefsFile = { schemaVersion: 1, refs: {}, tagTimes: {} };
  private readonly writeLock = new Mutex();

  constructor(root: string) {
    this.recordsDir = join(root, 'records');
    this.refsPath = join(root, 'refs.json');
  }

  async init(): Promise<void> {
    await ensureDir(this.recordsDir);
    for (const name of await readdir(this.recordsDir)) {
      if (!name.endsWith('.json') || name.startsWith('.')) {
        await rm(join(this.recordsDir, name), { force: true });
        continue;
      }
      const rec = await readJsonIfExists<ImageRecord>(join(this.recordsDir, name));
      if (rec && isDigest(rec.id)) this.records.load(rec.id, rec);
    }
    const refs = await readJsonIfExists<RefsFile>(this.refsPath);
    if (refs) this.refs = refs;
    // A ref left pointing at a record that never got written (crash) is dropped.
    let dirty = false;
    for (const [ref, id] of Object.entries(this.refs.refs)) {
      if (!this.records.has(id)) {
        delete this.refs.refs[ref];
        delete this.refs.tagTimes[ref];
        dirty = true;
      }
    }
    if (dirty) await atomicWriteJson(this.refsPath, this.refs);
  }

  get(id: Digest): DeepReadonly<ImageRecord> | undefined {
    return this.records.get(id);
  }

  all(): DeepReadonly<ImageRecord>[] {
    return this.records.all();
  }

  /** Writes a new or replacing record. */
  async put(record: ImageRecord): Promise<void> {
    await this.writeLock.run(async () => {
      await this.records.insert(record.id, record);
    });
  }

  /** Deletes the record and every reference to it. */
  async delete(id: Digest): Promise<void> {
    await this.writeLock.run(async () => {
      const next = this.cloneRefs();
      for (const [ref, target] of Object.entries(next.refs)) {
        if (target === id) {
          delete next.refs[ref];
          delete next.tagTimes[ref];
        }
      }
      await atomicWriteJson(this.refsPath, next);
      this.refs = next;
      await this.records.remove(id, () => rm(join(this.recordsDir, `${hexOf(id)}.json`), { force: true }));
    });
  }

  lookupRef(fullRef: string): Digest | undefined {
    return this.refs.refs[fullRef];
  }

  refsOf(id: Digest): string[] {
    return Object.entries(this.refs.refs)
      .filter(([, target]) => target === id)
      .map(([ref]) => ref);
  }

  tagTime(fullRef: string): string | undefined {
    return this.refs.tagTimes[fullRef];
  }

  /** Points each reference at `id`; returns the references taken from another image, and from which. */
  async setRefs(id: Digest, fullRefs: string[]): Promise<{ ref: string; old: Digest }[]> {
    return this.writeLock.run(async () => {
      const next = this.cloneRefs();
      const now = new Date().toISOString();
      const displaced: { ref: string; old: Digest }[] = [];
      for (const ref of fullRefs) {
        const old = next.refs[ref];
        if (old !== undefined && old !== id) displaced.push({ ref, old });
        next.refs[ref] = id;
        next.tagTimes[ref] = now;
      }
      await atomicWriteJson(this.refsPath, next);
      this.refs = next;
      return displaced;
    });
  }

  async removeRef(fullRef: string): Promise<void> {
    await this.writeLock.run(async () => {
      const next = this.cloneRefs();
      delete next.refs[fullRef];
      delete next.tagTimes[fullRef];
      await atomicWriteJson(this.refsPath, next);
      this.refs = next;
    });
  }

  private cloneRefs(): RefsFile {
    return { schemaVersion: 1, refs: { ...this.refs.refs }, tagTimes: { ...this.refs.tagTimes } };
  }
}
