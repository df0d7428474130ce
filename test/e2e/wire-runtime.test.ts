import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiError } from '../../src/client/index.js';
import { BERTH, BERTHD, isRoot, NODE, ROOT, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { spawnSync } from 'node:child_process';

const HOOK = join(ROOT, 'dist/test/helpers/record-modules.js');
/** What must not load at run time: the schema libraries and the TypeBox schemas built on them. */
const BUILD_ONLY = /\/node_modules\/(typebox|ajv)\/|\/dist\/src\/wire\/(schemas\/|codegen\.js)/;

/**
 * berthd and berth validate request bodies with the validators generated at build time: they
 * load neither TypeBox nor ajv (nor compile anything), and bodies are still checked with Go's
 * messages.
 */
describe('wire validators at run time (real daemon, real CLI)', { skip: !isRoot }, () => {
  let d: TestDaemon;
  const dir = mkdtempSync(join(tmpdir(), 'berth-modules-'));
  const env = { ...process.env, NODE_OPTIONS: `--import=${HOOK}`, BERTH_RECORD_MODULES: dir };
  /** The modules each recorded process loaded, by its entry script. */
  const loaded = (entry: string): string[] => {
    const lists = readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean));
    const mine = lists.filter((l) => l[0] === entry).flatMap((l) => l.slice(1));
    assert.ok(mine.length > 0, `no process of ${entry} was recorded`);
    return mine;
  };
  const refused = async (path: string, body: object, message: string): Promise<void> => {
    await assert.rejects(d.client.json('POST', path, { body }), (err: ApiError) => {
      assert.equal(err.status, 400);
      assert.equal(err.message, message);
      return true;
    });
  };

  before(async () => {
    // berthd inherits the hook from NODE_OPTIONS; no other child of this test process is Node.
    const saved = { NODE_OPTIONS: process.env.NODE_OPTIONS, BERTH_RECORD_MODULES: process.env.BERTH_RECORD_MODULES };
    Object.assign(process.env, { NODE_OPTIONS: env.NODE_OPTIONS, BERTH_RECORD_MODULES: dir });
    try {
      d = await startDaemon();
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
  after(async () => {
    await d.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  test('berthd checks every kind of body without loading TypeBox or ajv', async () => {
    await refused('/containers/create', { Image: 'busybox', HostConfig: { Memory: 'x' } }, 'invalid JSON: json: cannot unmarshal string into Go struct field HostConfig.HostConfig.Resources.Memory of type int64');
    // A body that passes: the daemon goes on to look for the image.
    await assert.rejects(d.client.json('POST', '/containers/create', { body: { image: 'nosuch-wire-image', Cmd: 'true', HostConfig: null } }), (err: ApiError) => err.status === 404 && /No such image: nosuch-wire-image/.test(err.message));
    await refused('/containers/x/update', { Memory: true }, 'invalid JSON: json: cannot unmarshal bool into Go struct field UpdateConfig.Resources.Memory of type int64');
    await refused('/containers/x/exec', { Cmd: 'ls' }, 'invalid JSON: json: cannot unmarshal string into Go struct field ExecOptions.Cmd of type []string');
    await refused('/exec/x/start', { Detach: 1 }, 'invalid JSON: json: cannot unmarshal number into Go struct field ExecStartOptions.Detach of type bool');
    await refused('/networks/create', { Name: 'n', Internal: 'no' }, 'invalid JSON: json: cannot unmarshal string into Go struct field CreateRequest.CreateOptions.Internal of type bool');
    await refused('/networks/x/connect', { Container: ['a'] }, 'invalid JSON: json: cannot unmarshal array into Go struct field ConnectOptions.Container of type string');
    await refused('/networks/x/disconnect', { Force: 'yes' }, 'invalid JSON: json: cannot unmarshal string into Go struct field DisconnectOptions.Force of type bool');
    await refused('/volumes/create', { Labels: { a: 1 } }, 'invalid JSON: json: cannot unmarshal number into Go struct field CreateOptions.Labels of type string');
    const vol = await d.client.json<{ Name: string }>('POST', '/volumes/create', { body: { name: 'wire-runtime', labels: { a: 'b' } } });
    assert.equal(vol.Name, 'wire-runtime');
    await d.client.json('DELETE', '/volumes/wire-runtime');

    const modules = loaded(BERTHD);
    assert.ok(modules.some((m) => m.endsWith('/dist/src/wire/generated/validators.js')), 'berthd did not load the generated validators');
    assert.deepEqual(modules.filter((m) => BUILD_ONLY.test(m)), []);
  });

  test('berth, the CLI, loads neither TypeBox nor ajv', () => {
    for (const args of [['volume', 'create', 'wire-cli'], ['volume', 'rm', 'wire-cli']]) {
      const r = spawnSync(NODE, [BERTH, '-H', d.host, ...args], { env });
      assert.equal(r.status, 0, r.stderr.toString());
    }
    const modules = loaded(BERTH);
    assert.ok(modules.some((m) => m.endsWith('/dist/src/cli/program.js')), 'berth did not load its commands');
    assert.deepEqual(modules.filter((m) => BUILD_ONLY.test(m)), []);
  });
});
