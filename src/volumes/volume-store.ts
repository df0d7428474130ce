import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { atomicWriteJson, ensureDir, readJsonIfExists, removeAll } from '../base/fs.js';
import { RecordTable, type DeepReadonly } from '../base/record-table.js';
import type { VolumeRecord } from './types.js';

/**
 * Volume records, one directory each: `<root>/<name>/volume.json` and the data in `_data`
 * (Docker's layout, so `Mountpoint` reads the same). Served from memory as frozen snapshots,
 * written through atomically; a volume's record never changes after create (Docker has no
 * volume update for local volumes). The record is written last on create and removed first on
 * delete, so a crash leaves either a whole volume or a bare directory that `init` sweeps.
 */
export class VolumeStore {
  private readonly table = new RecordTable<VolumeRecord>({ noun: 'volume', persist: (name, rec) => atomicWriteJson(this.file(name), rec) });

  constructor(readonly root: string) {}

  async init(): Promise<void> {
    await ensureDir(this.root, 0o701);
    for (const name of await readdir(this.root)) {
      const rec = await readJsonIfExists<VolumeRecord>(this.file(name));
      if (!rec) {
        await removeAll(join(this.root, name));
        continue;
      }
      this.table.load(name, rec);
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

  all(): DeepReadonly<VolumeRecord>[] {
    return this.table.all();
  }

  get(name: string): DeepReadonly<VolumeRecord> | undefined {
    return this.table.get(name);
  }

  async create(rec: VolumeRecord): Promise<void> {
    await this.table.insert(rec.name, rec);
  }

  async delete(name: string): Promise<void> {
    await this.table.remove(name, () => removeAll(this.file(name)));
    await removeAll(this.dir(name));
  }
}
