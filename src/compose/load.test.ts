import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configYaml, loadProject, type LoadOptions } from './index.js';

/** A project directory with these files; removed after the test. */
function project(t: { after(fn: () => void): void }, files: Record<string, string>, dirName = 'My_App'): string {
  const root = mkdtempSync(join(tmpdir(), 'berth-compose-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const dir = join(root, dirName);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

function load(dir: string, o: LoadOptions = {}): ReturnType<typeof loadProject> {
  return loadProject({ cwd: dir, env: {}, warn: () => {}, ...o });
}

test('normalization: short syntax into the long one, paths absolute, the default network', async (t) => {
  const dir = project(t, {
    'compose.yaml': `
services:
  web:
    build: ./web
    command: sh -c "echo hi"
    environment: [A=1, B]
    labels: [x=y]
    ports: ["8080:80", "127.0.0.1::81/udp", "9000-9001:90-91", 82]
    expose: [3000]
    volumes: ["data:/data:ro", "./src:/src", "/anon"]
    depends_on: [db]
  db:
    image: busybox
    networks: [back]
volumes: {data: }
networks: {back: }
`,
  });
  const p = await load(dir, { env: { B: 'from-shell' } });
  const web = p.services.web!;
  assert.equal(p.name, 'my_app');
  assert.deepEqual(web.build, { context: join(dir, 'web'), dockerfile: 'Dockerfile' });
  assert.deepEqual(web.command, ['sh', '-c', 'echo hi']);
  assert.deepEqual(web.environment, { A: '1', B: 'from-shell' });
  assert.deepEqual(web.labels, { x: 'y' });
  assert.deepEqual(web.ports, [
    { mode: 'ingress', target: 80, published: '8080', protocol: 'tcp' },
    { mode: 'ingress', host_ip: '127.0.0.1', target: 81, protocol: 'udp' },
    { mode: 'ingress', target: 90, published: '9000', protocol: 'tcp' },
    { mode: 'ingress', target: 91, published: '9001', protocol: 'tcp' },
    { mode: 'ingress', target: 82, protocol: 'tcp' },
  ]);
  assert.deepEqual(web.expose, ['3000']);
  assert.deepEqual(web.volumes, [
    { type: 'volume', source: 'data', target: '/data', read_only: true, volume: {} },
    { type: 'bind', source: join(dir, 'src'), target: '/src', bind: { create_host_path: true } },
    { type: 'volume', target: '/anon', volume: {} },
  ]);
  assert.deepEqual(web.depends_on, { db: { condition: 'service_started', required: true } });
  assert.deepEqual(web.networks, { default: null });
  assert.deepEqual(p.networks, { back: { name: 'my_app_back' }, default: { name: 'my_app_default' } });
  assert.deepEqual(p.volumes, { data: { name: 'my_app_data' } });
});

test('config prints the normalized model as compose v2 does', async (t) => {
  const dir = project(t, {
    'compose.yaml': `
name: demo
services:
  app:
    image: busybox
    ports: ["8080:80"]
    healthcheck: {test: "wget -q localhost", interval: 90s}
`,
  });
  assert.equal(
    configYaml(await load(dir)),
    `name: demo
services:
  app:
    healthcheck:
      test:
        - CMD-SHELL
        - wget -q localhost
      interval: 1m30s
    image: busybox
    networks:
      default: null
    ports:
      - mode: ingress
        target: 80
        published: "8080"
        protocol: tcp
networks:
  default:
    name: demo_default
`,
  );
});

test('merge: several -f files by the compose-spec rules, !reset and !override', async (t) => {
  const dir = project(t, {
    'base.yaml': `
services:
  web:
    image: app:1
    command: [a, b]
    environment: {A: "1", B: "2"}
    ports: ["8080:80", "8443:443"]
    volumes: ["v1:/data", "./x:/x"]
    dns: [1.1.1.1]
    labels: {keep: "1", drop: "1"}
  gone:
    image: busybox
volumes: {v1: , v2: }
`,
    'over.yaml': `
services:
  web:
    image: app:2
    command: [c]
    environment: {B: "3", C: "4"}
    ports: ["8080:80", "9000:90"]
    volumes: ["v2:/data"]
    dns: [8.8.8.8, 1.1.1.1]
    labels: {drop: !reset null}
  gone: !reset
`,
    'over2.yaml': `
services:
  web:
    ports: !override ["7000:70"]
`,
  });
  const p = await load(dir, { files: ['base.yaml', 'over.yaml'] });
  const web = p.services.web!;
  assert.equal(web.image, 'app:2');
  assert.deepEqual(web.command, ['c']);
  assert.deepEqual(web.environment, { A: '1', B: '3', C: '4' });
  assert.deepEqual(
    web.ports?.map((x) => `${x.published}:${x.target}`),
    ['8080:80', '8443:443', '9000:90'],
  );
  assert.deepEqual(
    web.volumes?.map((v) => `${v.source}:${v.target}`),
    ['v2:/data', `${join(dir, 'x')}:/x`],
  );
  assert.deepEqual(web.dns, ['1.1.1.1', '8.8.8.8']);
  assert.deepEqual(web.labels, { keep: '1' });
  assert.equal(p.services.gone, undefined);
  const p2 = await load(dir, { files: ['base.yaml', 'over.yaml', 'over2.yaml'] });
  assert.deepEqual(
    p2.services.web!.ports?.map((x) => `${x.published}:${x.target}`),
    ['7000:70'],
  );
});

test('override file found beside the default one; .env and --env-file feed interpolation; the shell wins', async (t) => {
  const dir = project(t, {
    'compose.yaml': 'services:\n  web:\n    image: "app:${TAG}"\n    environment: {WHO: "${WHO:-nobody}"}\n',
    'compose.override.yaml': 'services:\n  web:\n    environment: {EXTRA: "yes"}\n',
    '.env': 'TAG=from-dotenv\nWHO=dotenv\nCOMPOSE_PROJECT_NAME=fromenv\n',
    'other.env': 'TAG=from-other\n',
  });
  const p = await load(dir);
  assert.equal(p.name, 'fromenv');
  assert.equal(p.services.web!.image, 'app:from-dotenv');
  assert.deepEqual(p.services.web!.environment, { WHO: 'dotenv', EXTRA: 'yes' });
  assert.equal(p.configFiles.length, 2);
  const shell = await load(dir, { env: { TAG: 'shell' } });
  assert.equal(shell.services.web!.image, 'app:shell');
  const other = await load(dir, { envFiles: ['other.env'] });
  assert.equal(other.services.web!.image, 'app:from-other');
  assert.equal(other.name, 'my_app');
});

test('project name: -p, then COMPOSE_PROJECT_NAME, then name:, then the directory', async (t) => {
  const dir = project(t, { 'compose.yaml': 'name: fromfile\nservices:\n  a:\n    image: x\n' });
  assert.equal((await load(dir)).name, 'fromfile');
  assert.equal((await load(dir, { env: { COMPOSE_PROJECT_NAME: 'envname' } })).name, 'envname');
  assert.equal((await load(dir, { projectName: 'flag', env: { COMPOSE_PROJECT_NAME: 'envname' } })).name, 'flag');
  await assert.rejects(load(dir, { projectName: 'Bad Name' }), {
    message: 'invalid project name "Bad Name": must consist only of lowercase alphanumeric characters, hyphens, and underscores as well as start with a letter or number',
  });
});

test('env_file entries go under environment; a missing required one fails', async (t) => {
  const dir = project(t, {
    'compose.yaml': 'services:\n  a:\n    image: x\n    env_file: [a.env, {path: none.env, required: false}]\n    environment: {B: override}\n',
    'a.env': 'A=1\nB=2\n',
    'bad/compose.yaml': 'services:\n  a:\n    image: x\n    env_file: missing.env\n',
  });
  assert.deepEqual((await load(dir)).services.a!.environment, { A: '1', B: 'override' });
  await assert.rejects(load(join(dir, 'bad')), { message: `env file ${join(dir, 'bad', 'missing.env')} not found: stat ${join(dir, 'bad', 'missing.env')}: no such file or directory` });
});

test('extends, in the same file and from another', async (t) => {
  const dir = project(t, {
    'compose.yaml': `
services:
  base:
    image: busybox
    environment: {A: "1"}
    command: [sleep, "1"]
  web:
    extends: base
    environment: {B: "2"}
  other:
    extends: {file: common/common.yaml, service: tmpl}
`,
    'common/common.yaml': 'services:\n  tmpl:\n    image: alpine\n    volumes: ["./data:/data"]\n',
  });
  const p = await load(dir);
  assert.deepEqual(p.services.web!.environment, { A: '1', B: '2' });
  assert.deepEqual(p.services.web!.command, ['sleep', '1']);
  assert.equal(p.services.web!.extends, undefined);
  assert.equal(p.services.other!.image, 'alpine');
  assert.equal(p.services.other!.volumes![0]!.source, join(dir, 'common', 'data'));
});

test('include adds another project’s resources; a clash is refused', async (t) => {
  const dir = project(t, {
    'compose.yaml': 'include: [sub/compose.yaml]\nservices:\n  web:\n    image: x\n    depends_on: [db]\n',
    'sub/compose.yaml': 'services:\n  db:\n    image: "db:${V:-1}"\n    volumes: ["./init:/init"]\n',
    'clash/compose.yaml': 'include: [../sub/compose.yaml]\nservices:\n  db:\n    image: x\n',
  });
  const p = await load(dir);
  assert.equal(p.services.db!.image, 'db:1');
  assert.equal(p.services.db!.volumes![0]!.source, join(dir, 'sub', 'init'));
  await assert.rejects(load(join(dir, 'clash')), { message: 'services.db conflicts with imported resource' });
});

test('profiles: services enabled by --profile, COMPOSE_PROFILES or by being named', async (t) => {
  const dir = project(t, { 'compose.yaml': 'services:\n  a:\n    image: x\n  dbg:\n    image: x\n    profiles: [debug]\n' });
  assert.deepEqual(Object.keys((await load(dir)).services), ['a']);
  assert.deepEqual(Object.keys((await load(dir, { profiles: ['debug'] })).services), ['a', 'dbg']);
  assert.deepEqual(Object.keys((await load(dir, { env: { COMPOSE_PROFILES: 'debug' } })).services), ['a', 'dbg']);
  assert.deepEqual(Object.keys((await load(dir, { services: ['dbg'] })).services), ['a', 'dbg']);
});

test('errors: YAML with file and line, unknown keys with their path, cycles named, undefined references', async (t) => {
  const dir = project(t, {
    'yaml/compose.yaml': 'services:\n  web:\n    image: x\n   bad: [\n',
    'key/compose.yaml': 'services:\n  web:\n    image: x\n    imagee: y\n',
    'type/compose.yaml': 'services:\n  web:\n    image: x\n    ports: 80\n',
    'cycle/compose.yaml': 'services:\n  a:\n    image: x\n    depends_on: [b]\n  b:\n    image: x\n    depends_on: [c]\n  c:\n    image: x\n    depends_on: [a]\n',
    'dep/compose.yaml': 'services:\n  a:\n    image: x\n    depends_on: [nope]\n',
    'net/compose.yaml': 'services:\n  a:\n    image: x\n    networks: [front]\n',
    'vol/compose.yaml': 'services:\n  a:\n    image: x\n    volumes: ["data:/d"]\n',
    'empty/.keep': '',
  });
  await assert.rejects(load(join(dir, 'yaml')), (err: Error) => {
    assert.match(err.message, new RegExp(`^parsing ${join(dir, 'yaml', 'compose.yaml')}: yaml: line 4: `));
    return true;
  });
  await assert.rejects(load(join(dir, 'key')), { message: `validating ${join(dir, 'key', 'compose.yaml')}: services.web additional properties 'imagee' not allowed` });
  await assert.rejects(load(join(dir, 'type')), { message: `validating ${join(dir, 'type', 'compose.yaml')}: services.web.ports must be a array` });
  await assert.rejects(load(join(dir, 'cycle')), { message: 'dependency cycle detected: a -> b -> c -> a' });
  await assert.rejects(load(join(dir, 'dep')), { message: 'service "a" depends on undefined service "nope": invalid compose project' });
  await assert.rejects(load(join(dir, 'net')), { message: 'service "a" refers to undefined network front: invalid compose project' });
  await assert.rejects(load(join(dir, 'vol')), { message: 'service "a" refers to undefined volume data: invalid compose project' });
  await assert.rejects(load(join(dir, 'empty'), { cwd: '/' }), { message: 'no configuration file provided: not found' });
});

test('YAML anchors, aliases and << merge keys, with x- extension fields', async (t) => {
  const dir = project(t, {
    'compose.yaml': `
x-common: &common
  image: busybox
  environment: {SHARED: "1"}
  labels: {team: core}
services:
  a:
    <<: *common
    command: [a]
  b:
    <<: *common
    environment: {OWN: "2"}
`,
  });
  const p = await load(dir);
  assert.equal(p.services.a!.image, 'busybox');
  assert.deepEqual(p.services.a!.environment, { SHARED: '1' });
  assert.deepEqual(p.services.b!.environment, { OWN: '2' });
  assert.deepEqual(p.services.b!.labels, { team: 'core' });
});

test('without interpolation (config --no-interpolate) variables stay as written', async (t) => {
  const dir = project(t, { 'compose.yaml': 'services:\n  a:\n    image: "x:${TAG:-1}"\n' });
  assert.equal((await load(dir, { interpolate: false })).services.a!.image, 'x:${TAG:-1}');
  assert.equal((await load(dir)).services.a!.image, 'x:1');
});

test('the obsolete version attribute is warned about and left out', async (t) => {
  const dir = project(t, { 'compose.yaml': 'version: "3.8"\nservices:\n  a:\n    image: x\n' });
  const warnings: string[] = [];
  const p = await load(dir, { warn: (m) => warnings.push(m) });
  assert.deepEqual(warnings, [`${join(dir, 'compose.yaml')}: the attribute \`version\` is obsolete, it will be ignored, please remove it to avoid potential confusion`]);
  assert.equal(configYaml(p).includes('version'), false);
});

test('a missing variable is warned; a required one is an error naming where', async (t) => {
  const dir = project(t, {
    'compose.yaml': 'services:\n  a:\n    image: "x:${NOPE}"\n',
    'req/compose.yaml': 'services:\n  a:\n    image: "${IMG:?set IMG}"\n',
  });
  const warnings: string[] = [];
  const p = await load(dir, { warn: (m) => warnings.push(m) });
  assert.equal(p.services.a!.image, 'x:');
  assert.deepEqual(warnings, ['The "NOPE" variable is not set. Defaulting to a blank string.']);
  await assert.rejects(load(join(dir, 'req')), { message: 'error while interpolating services.a.image: required variable IMG is missing a value: set IMG' });
});
