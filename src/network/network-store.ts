import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { atomicWriteJson, ensureDir, readJsonIfExists, removeAll } from '../base/fs.js';
import { RecordTable } from '../base/record-table.js';
import type { NetworkData, NetworkRecord } from './types.js';

/**
 * Network records, one JSON file each (`<root>/<id>.json`), served from memory as frozen
 * snapshots and written atomically. A network's record does not change after create (Docker has no
 * network update); `put` writes a new one.
 */
export class NetworkStore {
  private readonly table = new RecordTable<NetworkData>({ noun: 'network', persist: (id, rec) => atomicWriteJson(join(this.root, `${id}.json`), rec) });

  constructor(readonly root: string) {}

  async init(): Promise<void> {
    await ensureDir(this.root, 0o700);
    for (const f of await readdir(this.root)) {
      if (!/^[0-9a-f]{64}\.json$/.test(f)) continue;
      const rec = await readJsonIfExists<NetworkData>(join(this.root, f));
      if (rec) this.table.load(rec.id, rec);
    }
  }

  all(): NetworkRecord[] {
    return this.table.all();
  }

  get(id: string): NetworkRecord | undefined {
    return this.table.get(id);
  }

  async put(rec: NetworkData): Promise<void> {
    await this.table.insert(rec.id, rec);
  }

  async delete(id: string): Promise<void> {
    await this.table.remove(id, () => removeAll(join(this.root, `${id}.json`)));
  }
}
