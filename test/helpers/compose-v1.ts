/**
 * docker-compose 1.29.2 (Debian's /usr/bin/docker-compose) driven against a test berthd: the
 * project the e2e tests use (a service built from a Dockerfile, a worker, a named volume, a bind
 * mount, an env file, a user network with an alias, a healthcheck dependency, a published port),
 * and compose runs as a user makes them.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestDaemon } from './daemon.js';

export const COMPOSE = '/usr/bin/docker-compose';
export const hasCompose = existsSync(COMPOSE);

export type Json = Record<string, unknown>;

/** A free TCP port on loopback, for the published port. */
export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

export async function httpGet(port: number, path: string): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  assert.equal(res.status, 200, `GET ${path}`);
  return res.text();
}

const WORKER_COMMAND =
  // Its first act needs the web service serving under its alias (retried: a v1 file has no health dependency).
  `["sh", "-c", "trap 'exit 0' TERM; echo worker up; until wget -q -O - http://frontend/greeting.txt; do sleep 0.5; done; while true; do sleep 1; done"]`;

/**
 * The compose file for a file version (undefined: no `version` key). "2.0" has no healthcheck
 * (compose refuses one below API 1.24), so the worker depends on the web service's start only;
 * "1" is the version-1 format (API 1.21): no networks or named volumes, a legacy link, and an
 * anonymous volume that compose carries over to the recreated container.
 */
function composeFile(version: string | undefined, port: number): string {
  if (version === '1') {
    return [
      'web:',
      '  build: ./web',
      '  env_file: app.env',
      `  ports: ["127.0.0.1:${port}:80"]`,
      '  volumes: ["/data", "./site:/site:ro"]',
      'worker:',
      '  image: busybox',
      `  command: ${WORKER_COMMAND}`,
      '  env_file: app.env',
      '  links: ["web:frontend"]',
      '',
    ].join('\n');
  }
  const healthy = version !== '2.0';
  return [
    ...(version ? [`version: "${version}"`] : []),
    'services:',
    '  web:',
    '    build: ./web',
    '    env_file: app.env',
    '    ports:',
    `      - "127.0.0.1:${port}:80"`,
    '    volumes:',
    '      - data:/data',
    '      - ./site:/site:ro',
    '    networks:',
    '      default: {}',
    '      appnet:',
    '        aliases: [frontend]',
    ...(healthy
      ? ['    healthcheck:', '      test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://localhost/greeting.txt"]', '      interval: 1s', '      timeout: 2s', '      retries: 20']
      : []),
    '  worker:',
    '    image: busybox',
    `    command: ${WORKER_COMMAND}`,
    '    env_file: app.env',
    ...(healthy ? ['    depends_on:', '      web:', '        condition: service_healthy'] : ['    depends_on: [web]']),
    '    volumes:',
    '      - data:/data',
    '    networks:',
    '      - appnet',
    'volumes:',
    '  data: {}',
    'networks:',
    '  appnet: {}',
    '',
  ].join('\n');
}

/** A project directory: the web service's build context, a bind-mounted site and the env file. */
export function makeProject(version: string | undefined, port: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'berth-compose-v1-'));
  mkdirSync(join(dir, 'web'));
  mkdirSync(join(dir, 'site'));
  writeFileSync(join(dir, 'web/Dockerfile'), 'FROM busybox\nRUN mkdir -p /www && echo built > /www/built.txt\nCOPY start.sh /start.sh\nCMD ["sh", "/start.sh"]\n');
  writeFileSync(
    join(dir, 'web/start.sh'),
    [
      'echo "web starting as $GREETING"',
      'cp /site/index.html /www/index.html',
      'echo "$GREETING" > /www/greeting.txt',
      'date >> /data/boots',
      'httpd -f -p 80 -h /www &',
      "trap 'kill $!; exit 0' TERM",
      'wait',
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'site/index.html'), 'hello from the bind mount\n');
  writeFileSync(join(dir, 'app.env'), 'GREETING=howdy\nMODE=first\n');
  writeFileSync(join(dir, 'docker-compose.yml'), composeFile(version, port));
  return dir;
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** docker-compose in a project directory, as a user runs it; `api` pins COMPOSE_API_VERSION. */
export function composeIn(d: TestDaemon, dir: string, project: string, api?: string): { run(args: string[]): Run; ok(args: string[]): Run; withTty(args: string[]): string; background(args: string[]): ChildProcess } {
  const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_HOST: d.host };
  for (const k of Object.keys(env)) if (k.startsWith('COMPOSE_')) delete env[k];
  if (api) env.COMPOSE_API_VERSION = api;
  const run = (args: string[]): Run => {
    const r = spawnSync(COMPOSE, ['-p', project, ...args], { cwd: dir, env, timeout: 180_000, maxBuffer: 64 << 20 });
    return { code: r.status ?? -1, stdout: r.stdout?.toString() ?? '', stderr: r.stderr?.toString() ?? '' };
  };
  const ok = (args: string[]): Run => {
    const r = run(args);
    assert.equal(r.code, 0, `docker-compose ${args.join(' ')} exited ${r.code}:\n${r.stderr}\n${r.stdout}`);
    return r;
  };
  /** With a terminal (compose's exec and run allocate one by default), through script(1). */
  const withTty = (args: string[]): string => {
    const cmd = [COMPOSE, '-p', project, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { cwd: dir, env, timeout: 60_000, input: '' });
    assert.equal(r.status, 0, `script ${cmd}: ${r.stderr?.toString()}`);
    return r.stdout.toString();
  };
  /** A long-running command (`events`), its output piped. */
  const background = (args: string[]): ChildProcess => spawn(COMPOSE, ['-p', project, ...args], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  return { run, ok, withTty, background };
}

/** `docker-compose ps` rows as {name → the rest of the line}. */
export function psRows(out: string): Map<string, string> {
  const rows = new Map<string, string>();
  for (const line of out.split('\n').slice(2)) {
    const m = /^(\S+)\s+(.*)$/.exec(line.trim());
    if (m) rows.set(m[1]!, m[2]!);
  }
  return rows;
}

/** What of a project is left on the daemon: containers with its label, volumes and networks with its prefix. */
export async function projectLeft(d: TestDaemon, project: string): Promise<{ containers: number; volumes: string[]; networks: string[] }> {
  const filters = encodeURIComponent(JSON.stringify({ label: [`com.docker.compose.project=${project}`] }));
  const containers = (await d.client.json<Json[]>('GET', `/containers/json?all=1&filters=${filters}`))!;
  const volumes = ((await d.client.json<{ Volumes: { Name: string }[] | null }>('GET', '/volumes'))!.Volumes ?? []).map((v) => v.Name).filter((n) => n.startsWith(`${project}_`));
  const networks = (await d.client.json<{ Name: string }[]>('GET', '/networks'))!.map((n) => n.Name).filter((n) => n.startsWith(`${project}_`));
  return { containers: containers.length, volumes, networks };
}
