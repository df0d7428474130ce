import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { atomicWriteJson, ensureDir, readJsonIfExists, removeAll } from '../base/fs.js';
import type { VolumeRecord } from './types.js';

/**
 * Volume records, one directory each: `<root>/<name>/volume.json` and the data in `_data`
 * (Docker's layout, so `Mountpoint` reads the same). Served from memory, written through
 * atomically. The record is written last on create and removed first on delete, so a crash
 * leaves either a whole volume or a bare directory that `init` sweeps.
 */
export class VolumeStore {
  private readonly byName = new Map<string, VolumeRecord>();

  constructor(readonly root: string) {}

  async init(): Promise<void> {
    await ensureDir(this.root, 0o701);
    for (const name of await readdir(this.root)) {
      const rec = await readJsonIfExists<VolumeRecord>(this.file(name));
      if (!rec) {
        await removeAll(join(this.root, name));
        continue;
      }
      this.byName.set(name, rec);
    }
  }

  dir(name: string): string {
    return join(this.root, name);
  }

  dataDir(name: string): string {
    return join(this.root, name, '_data');
  }

  private file(name: string): string {
    return join(this.root, name, 'volume.json');
  }

  all(): VolumeRecord[] {
    return [...this.byName.values()];
  }

  get(name: string): VolumeRecord | undefined {
    return this.byName.get(name);
  }

  async put(rec: VolumeRecord): Promise<void> {
    await atomicWriteJson(this.file(rec.name), rec);
    this.byName.set(rec.name, rec);
  }

  async delete(name: string): Promise<void> {
    this.byName.delete(name);
    await removeAll(this.file(name));
    await removeAll(this.dir(name));
  }
}
