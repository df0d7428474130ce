import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecordTable } from './record-table.js';

interface Rec {
  name: string;
  state: { status: string; n: number };
  tags: string[];
}

function table(fail?: () => boolean): { t: RecordTable<Rec>; written: Rec[] } {
  const written: Rec[] = [];
  const t = new RecordTable<Rec>({
    noun: 'thing',
    persist: async (_k, rec) => {
      await Promise.resolve();
      if (fail?.()) throw new Error('disk full');
      written.push(structuredClone(rec));
    },
  });
  return { t, written };
}

test('snapshots cannot be changed in place, not even deep inside', async () => {
  const { t } = table();
  await t.insert('a', { name: 'a', state: { status: 'created', n: 0 }, tags: ['x'] });
  const snap = t.get('a')!;
  assert.throws(() => {
    (snap as Rec).state.status = 'running';
  }, TypeError);
  assert.throws(() => (snap as Rec).tags.push('y'), TypeError);
  assert.equal(t.get('a')!.state.status, 'created');
});

test('an update is written before it is visible, and an old snapshot stays as it was', async () => {
  const { t, written } = table();
  await t.insert('a', { name: 'a', state: { status: 'created', n: 0 }, tags: [] });
  const before = t.get('a')!;
  const after = await t.update('a', (d) => {
    d.state.status = 'running';
  });
  assert.equal(after.state.status, 'running');
  assert.equal(t.get('a'), after);
  assert.equal(before.state.status, 'created');
  assert.equal(written.at(-1)!.state.status, 'running');
});

test('a change that throws, or a write that fails, leaves the record as it was', async () => {
  let failing = false;
  const { t } = table(() => failing);
  await t.insert('a', { name: 'a', state: { status: 'created', n: 0 }, tags: [] });
  await assert.rejects(
    t.update('a', (d) => {
      d.state.status = 'half';
      throw new Error('refused');
    }),
    /refused/,
  );
  failing = true;
  await assert.rejects(
    t.update('a', (d) => {
      d.state.status = 'unwritten';
    }),
    /disk full/,
  );
  assert.equal(t.get('a')!.state.status, 'created');
});

test('concurrent updates of one record run one after the other, none lost', async () => {
  const { t } = table();
  await t.insert('a', { name: 'a', state: { status: 'x', n: 0 }, tags: [] });
  await Promise.all(
    Array.from({ length: 20 }, () =>
      t.update('a', async (d) => {
        const n = d.state.n;
        await new Promise((r) => setTimeout(r, 1));
        d.state.n = n + 1;
      }),
    ),
  );
  assert.equal(t.get('a')!.state.n, 20);
});

test('updating a record that is gone is NotFound', async () => {
  const { t } = table();
  await t.insert('a', { name: 'a', state: { status: 'x', n: 0 }, tags: [] });
  await t.remove('a', async () => {});
  await assert.rejects(t.update('a', () => {}), (err: Error & { kind?: string }) => err.kind === 'NotFound' && /No such thing: a/.test(err.message));
});
