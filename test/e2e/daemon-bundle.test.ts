import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BERTHD, isRoot, ROOT, startDaemon, type TestDaemon } from '../helpers/daemon.js';

const HOOK = join(ROOT, 'dist/test/helpers/record-modules.js');

/**
 * berthd runs from the one file the build bundles it into (src/daemon/bundle.ts), and an idle
 * daemon has not loaded what only some requests need (issue 14, fresh idle RSS): OpenSSL's crypto
 * and TLS come with the first hash, pull or TLS listener.
 */
describe('berthd as one bundle, idle (real daemon)', { skip: !isRoot }, () => {
  let d: TestDaemon;
  let modules: string[];
  const dir = mkdtempSync(join(tmpdir(), 'berth-modules-'));

  before(async () => {
    d = await startDaemon([], { env: { NODE_OPTIONS: `--import=${HOOK}`, BERTH_RECORD_MODULES: dir } });
    await d.client.json('GET', '/info');
    await sleep(500);
    // The list of Node's modules is written at exit.
    await d.stop();
    const lists = readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean));
    modules = lists.filter((l) => l[0] === BERTHD).flatMap((l) => l.slice(1));
    assert.ok(modules.includes('node:http'), `berthd's module list was not recorded: ${modules.join(' ')}`);
  });
  after(async () => {
    await d.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  test("loads berth's code from the bundle, not module by module", () => {
    const ours = modules.filter((m) => m.includes('/dist/src/')).map((m) => m.slice(m.indexOf('/dist/src/') + 1));
    assert.deepEqual([...new Set(ours)].sort(), ['dist/src/daemon/main.js', 'dist/src/daemon/runtime-tuning.js', 'dist/src/daemon/serve.bundle.js']);
  });

  test('has loaded neither crypto nor TLS', () => {
    // koffi's package entry requires node:https (its install tools): libc.ts loads its addon directly.
    assert.ok(modules.some((m) => m.includes('/node_modules/koffi/')), 'koffi was not loaded: the check below proves nothing');
    assert.deepEqual(modules.filter((m) => /^node:(crypto|tls|https|_tls_wrap)$/.test(m)), []);
  });
});
