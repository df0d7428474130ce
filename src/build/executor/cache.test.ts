import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CacheProber } from './cache.js';
import { OrderedOutput } from './output.js';
import type { BuildImage, BuildImages, RunConfig } from './types.js';

const linux = { os: 'linux', architecture: 'amd64' };

/** An image store of a few images: id → image; children by parent. */
function store(images: BuildImage[]): BuildImages & { restored: string[] } {
  const byId = new Map(images.map((i) => [i.id, i]));
  const restored: string[] = [];
  const fail = (): never => {
    throw new Error('not used');
  };
  return {
    restored,
    find: async (r) => byId.get(r),
    get: async (id) => byId.get(id) ?? fail(),
    pull: fail,
    children: async (id) => images.filter((i) => (i.parent ?? '') === id && (id !== '' || i.doc.container_config !== undefined)),
    hasAncestor: async (child, ancestor) => {
      for (let p = byId.get(child)?.parent; p !== undefined; p = byId.get(p)?.parent) if (p === ancestor) return true;
      return false;
    },
    layerDirs: fail,
    commit: fail,
    restore: async (_parent, source, index) => {
      restored.push(`${source.id}@${index}`);
      return source;
    },
    checkTags: fail,
    tag: fail,
  };
}

const cmd = (c: string): RunConfig => ({ Cmd: ['/bin/sh', '-c', c], Env: ['PATH=/bin'] });
const built = (id: string, parent: string, c: string, created: string, history: string[] = []): BuildImage => ({
  id,
  parent,
  doc: { os: 'linux', architecture: 'amd64', created, container_config: { ...cmd(c), Image: parent }, history: history.map((h) => ({ created_by: h })), rootfs: { type: 'layers', diff_ids: [] } },
});

describe('the classic builder cache', () => {
  test('a locally built child with the same config is reused; the newest wins', async () => {
    const base: BuildImage = { id: 'base', doc: { os: 'linux', architecture: 'amd64', history: [{ created_by: 'import' }], rootfs: { type: 'layers', diff_ids: [] } } };
    const images = store([base, built('old', 'base', 'make', '2020-01-01T00:00:00Z'), built('new', 'base', 'make', '2021-01-01T00:00:00Z'), built('other', 'base', 'make test', '2022-01-01T00:00:00Z')]);
    const p = new CacheProber(images, true, undefined);
    assert.equal(await p.probe('base', cmd('make'), linux), 'new');
    assert.equal(await p.probe('base', cmd('make install'), linux), undefined);
    assert.equal(await p.probe('base', cmd('make'), linux), undefined, 'the first miss turns the cache off');
    p.reset();
    assert.equal(await p.probe('base', cmd('make'), linux), 'new', 'until the next FROM');
    assert.equal(await p.probe('base', cmd('make'), { os: 'linux', architecture: 'arm64' }), undefined, 'another platform is a miss');
  });

  test('--no-cache never hits', async () => {
    const p = new CacheProber(store([built('a', 'base', 'x', '2020-01-01T00:00:00Z')]), false, undefined);
    assert.equal(await p.probe('base', cmd('x'), linux), undefined);
  });

  test('--cache-from: local hits count only below a source; else the source history continues the parent', async () => {
    const base: BuildImage = { id: 'base', doc: { os: 'linux', architecture: 'amd64', history: [{ created_by: 'import' }], rootfs: { type: 'layers', diff_ids: [] } } };
    const step = built('step', 'base', 'touch a', '2020-01-01T00:00:00Z');
    const final = built('final', 'step', 'touch b', '2020-01-02T00:00:00Z');
    const images = store([base, step, final]);
    const sourced = new CacheProber(images, true, [final]);
    assert.equal(await sourced.probe('base', cmd('touch a'), linux), 'step', 'a local hit that is an ancestor of a source');
    const none = new CacheProber(images, true, []);
    assert.equal(await none.probe('base', cmd('touch a'), linux), undefined, 'a cache-from that names nothing disables local hits (moby)');
    const foreign: BuildImage = { id: 'pulled', doc: { os: 'linux', architecture: 'amd64', history: [{ created_by: 'import' }, { created_by: '/bin/sh -c touch c' }], rootfs: { type: 'layers', diff_ids: [] } } };
    const byHistory = new CacheProber(store([base, foreign]), true, [foreign]);
    assert.equal(await byHistory.probe('base', cmd('touch c'), linux), 'pulled', 'matched by CreatedBy, as moby does for pulled images');
  });
});

describe('build output order', () => {
  test('sections reach the client in order, later ones buffered until earlier ones end', () => {
    const got: string[] = [];
    const out = new OrderedOutput({ stream: (t) => got.push(t), aux: (v) => got.push(JSON.stringify(v)), progress: () => {} });
    const a = out.section();
    const b = out.section();
    const c = out.section();
    b.out('b1 ');
    a.out('a1 ');
    c.err('c1');
    b.close();
    assert.deepEqual(got, ['a1 ']);
    a.aux({ ID: 'x' });
    a.close();
    assert.deepEqual(got, ['a1 ', '{"ID":"x"}', 'b1 ', '\x1b[91mc1\x1b[0m']);
    c.out('c2');
    assert.equal(got.at(-1), 'c2', 'the live section writes through');
  });
});
