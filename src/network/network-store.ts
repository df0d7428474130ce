import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { atomicWriteJson, ensureDir, readJsonIfExists, removeAll } from '../base/fs.js';
import type { NetworkRecord } from './types.js';

/** Network records, one JSON file each (`<root>/<id>.json`), served from memory, written atomically. */
export class NetworkStore {
  private readonly byId = new Map<string, NetworkRecord>();

  constructor(readonly root: string) {}

  async init(): Promise<void> {
    await ensureDir(this.root, 0o700);
    for (const f of await readdir(this.root)) {
      if (!/^[0-9a-f]{64}\.json$/.test(f)) continue;
      const rec = await readJsonIfExists<NetworkRecord>(join(this.root, f));
      if (rec) this.byId.set(rec.id, rec);
    }
  }

  all(): NetworkRecord[] {
    return [...this.byId.values()];
  }

  get(id: string): NetworkRecord | undefined {
    return this.byId.get(id);
  }

  async put(rec: NetworkRecord): Promise<void> {
    await atomicWriteJson(join(this.root, `${rec.id}.json`), rec);
    this.byId.set(rec.id, rec);
  }

  async delete(id: string): Promise<void> {
    this.byId.delete(id);
    await removeAll(join(this.root, `${id}.json`));
  }
}
