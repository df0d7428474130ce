import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { generateValidators, OUTPUT } from './codegen.js';
import { schemas, validators } from './generated/validators.js';
import { bodies, GO_KEYWORDS, type BodyName } from './schemas/index.js';
import * as wire from './index.js';

test('the validators in dist/ are those the schemas give now (a build ran the codegen after tsc)', async () => {
  assert.equal(await readFile(OUTPUT, 'utf8'), generateValidators(), 'dist/src/wire/generated/validators.js is stale: run `npm run build`');
});

test('every body has a generated validator and schema, and every handle names one', () => {
  assert.deepEqual(Object.keys(validators), Object.keys(bodies));
  assert.deepEqual(Object.keys(schemas), Object.keys(bodies));
  const handles = (Object.values(wire) as unknown[]).filter((v): v is wire.WireBody<unknown> => typeof v === 'object' && v !== null && 'name' in v);
  assert.deepEqual(handles.map((h) => h.name).sort(), Object.keys(bodies).sort());
});

test('the generated validators answer as ajv compiling the TypeBox schemas at run time did', () => {
  // The run-time compile this build step replaced, with its options.
  const ajv = new Ajv({ allErrors: false, verbose: true, strict: true, allowUnionTypes: true });
  for (const keyword of GO_KEYWORDS) ajv.addKeyword({ keyword, schemaType: 'string' });
  const samples: [BodyName, unknown][] = [
    ['CreateRequest', { Image: 'busybox', Cmd: ['sh'], HostConfig: { Memory: 1 << 30, PortBindings: { '80/tcp': [{ HostPort: '8080' }] } } }],
    ['CreateRequest', { HostConfig: { Memory: 'x' } }],
    ['CreateRequest', { HostConfig: { BlkioWeight: 70000 } }],
    ['CreateRequest', { HostConfig: { CpuShares: 1.5 } }],
    ['CreateRequest', { Cmd: ['a', 1] }],
    ['CreateRequest', { Healthcheck: { Test: 'x' } }],
    ['CreateRequest', { NetworkingConfig: { EndpointsConfig: { n: { IPAMConfig: { IPv4Address: 1 } } } } }],
    ['CreateRequest', { HostConfig: { Mounts: [{ TmpfsOptions: { Mode: -1 } }] } }],
    ['CreateRequest', []],
    ['UpdateConfig', { Memory: true }],
    ['UpdateConfig', { RestartPolicy: { Name: 'always', MaximumRetryCount: '1' } }],
    ['ExecCreateRequest', { Cmd: 'ls' }],
    ['ExecStartRequest', { ConsoleSize: [1, -1] }],
    ['NetworkCreateRequest', { Name: 'n', IPAM: { Config: [{ Subnet: 10 }] } }],
    ['NetworkConnectRequest', { Container: ['a'] }],
    ['NetworkDisconnectRequest', { Force: 'yes' }],
    ['VolumeCreateRequest', { Labels: { a: 1 } }],
  ];
  const view = (errors: ErrorObject[] | null | undefined): unknown => (errors ?? []).map((e) => ({ ...e, schema: e.schema as unknown, parentSchema: JSON.parse(JSON.stringify(e.parentSchema)) as unknown }));
  for (const [name, value] of samples) {
    const compiled = ajv.compile(bodies[name]);
    const generated = validators[name];
    assert.equal(generated(value), compiled(value), `${name} ${JSON.stringify(value)}`);
    assert.deepEqual(view(generated.errors as ErrorObject[] | null), view(compiled.errors), `${name} ${JSON.stringify(value)}`);
  }
});

test('a build without the codegen step says so at the first body', async () => {
  // This module's siblings without generated/, as tsc alone leaves dist/.
  const dir = await mkdtemp(join(tmpdir(), 'berth-wire-'));
  try {
    await writeFile(join(dir, 'package.json'), '{"type":"module"}');
    await cp(join(import.meta.dirname, '../base'), join(dir, 'base'), { recursive: true });
    await cp(import.meta.dirname, join(dir, 'wire'), { recursive: true, filter: (src) => src !== join(import.meta.dirname, 'generated') });
    const built = (await import(join(dir, 'wire/index.js'))) as typeof wire;
    assert.throws(() => built.decode(built.VolumeCreateRequest, {}), (err: Error & { kind?: string }) => {
      assert.equal(err.kind, 'Internal');
      assert.equal(err.message, 'the wire validators were not generated: build with `npm run build` (tsc, then src/wire/codegen.ts)');
      return true;
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
