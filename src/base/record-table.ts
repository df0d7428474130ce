/**
 * The in-memory side of berth's metadata stores: records by key, handed out as frozen snapshots,
 * changed only through {@link RecordTable.update}, which runs one change at a time per record on a
 * copy, writes the result through the store's persist function and only then makes it visible.
 * A failed change (the function throws, or the write fails) leaves the old record in place.
 */
import { KeyedMutex } from './lock.js';
import { notFound } from './errors.js';

/** What callers get from a store: nothing in it can be assigned to. */
export type DeepReadonly<T> = T extends (...args: never[]) => unknown ? T : T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T;

/** A mutable copy of a snapshot, for building the next version of a record. */
export function thaw<T>(value: DeepReadonly<T>): T {
  return structuredClone(value) as T;
}

function deepFreeze<T>(value: T): DeepReadonly<T> {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value as DeepReadonly<T>;
}

export interface RecordTableOptions<T> {
  /** Writes one record durably (atomically: temp, fsync, rename). */
  persist: (key: string, rec: T) => Promise<void>;
  /** What a missing key is called in the NotFound error. */
  noun: string;
}

export class RecordTable<T extends object> {
  private readonly items = new Map<string, DeepReadonly<T>>();
  private readonly locks = new KeyedMutex();

  constructor(private readonly opts: RecordTableOptions<T>) {}

  /** Takes a record read from disk at start-up (no write). */
  load(key: string, rec: T): void {
    this.items.set(key, deepFreeze(rec));
  }

  get(key: string): DeepReadonly<T> | undefined {
    return this.items.get(key);
  }

  has(key: string): boolean {
    return this.items.has(key);
  }

  keys(): string[] {
    return [...this.items.keys()];
  }

  all(): DeepReadonly<T>[] {
    return [...this.items.values()];
  }

  get size(): number {
    return this.items.size;
  }

  /** Writes a new record; it becomes visible once it is on disk. */
  async insert(key: string, rec: T): Promise<DeepReadonly<T>> {
    return this.locks.run(key, async () => {
      await this.opts.persist(key, rec);
      const frozen = deepFreeze(structuredClone(rec));
      this.items.set(key, frozen);
      return frozen;
    });
  }

  /**
   * The one way a record changes: `change` edits a private copy (and may refuse by throwing);
   * the copy is written, then replaces the visible record. Changes to one record run in order.
   */
  async update(key: string, change: (draft: T) => void | Promise<void>): Promise<DeepReadonly<T>> {
    return this.locks.run(key, async () => {
      const cur = this.items.get(key);
      if (!cur) throw notFound(`No such ${this.opts.noun}: ${key}`);
      const draft = thaw<T>(cur);
      await change(draft);
      await this.opts.persist(key, draft);
      const frozen = deepFreeze(draft);
      this.items.set(key, frozen);
      return frozen;
    });
  }

  /** Forgets a record, after `unpersist` removed it from disk (in order with pending updates). */
  async remove(key: string, unpersist: () => Promise<void>): Promise<DeepReadonly<T> | undefined> {
    return this.locks.run(key, async () => {
      const cur = this.items.get(key);
      await unpersist();
      this.items.delete(key);
      return cur;
    });
  }
}
