/** Helpers for the compose e2e tests: a project on disk, a free port, the docker CLI plugin. */
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { NODE, ROOT } from './daemon.js';

/** Writes `files` under a new temp dir's `name/` (the project's directory, so its default name). */
export function writeProject(name: string, files: Record<string, string>): { root: string; dir: string } {
  const root = mkdtempSync(join(tmpdir(), 'berth-compose-'));
  const dir = join(root, name);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return { root, dir };
}

/** A TCP port on 127.0.0.1 nothing listens on (just now). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * A docker CLI config dir with berth's compose installed as its `docker-compose` plugin (the
 * CLI looks in $DOCKER_CONFIG/cli-plugins), as scripts/setup.sh installs it system-wide.
 */
export function pluginConfigDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'berth-docker-config-'));
  mkdirSync(join(dir, 'cli-plugins'));
  const plugin = join(dir, 'cli-plugins', 'docker-compose');
  writeFileSync(plugin, `#!/bin/sh\nexec ${NODE} ${join(ROOT, 'dist/src/cli/compose-plugin.js')} "$@"\n`);
  chmodSync(plugin, 0o755);
  return dir;
}

/** GETs a URL's body (undefined when nothing answers). */
export async function httpGet(url: string): Promise<string | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    return await res.text();
  } catch {
    return undefined;
  }
}

/**
 * The multi-service app the compose e2e tests run: a web service built from a Dockerfile with a
 * published port and an env file, waiting for a healthy db (named volume, bind mount), a worker
 * scaled to two, two user networks.
 */
export const APP = (port: number): Record<string, string> => ({
  'compose.yaml': `
services:
  web:
    build:
      context: ./web
      args: {GREETING: "built-\${TAG}"}
    ports: ["127.0.0.1:\${WEB_PORT}:80"]
    env_file: web.env
    environment: {MODE: "\${MODE:-prod}"}
    depends_on:
      db: {condition: service_healthy}
    networks: [front, back]
    stop_grace_period: 1s
  db:
    image: busybox
    command: sh -c 'trap "exit 0" TERM; echo db-up > /host/marker; touch /tmp/ready; echo db ready; while :; do sleep 1; done'
    healthcheck: {test: ["CMD", "test", "-f", "/tmp/ready"], interval: 1s, retries: 30}
    volumes: ["dbdata:/data", "./hostdir:/host"]
    networks: [back]
  worker:
    image: busybox
    command: sh -c 'trap "exit 0" TERM; echo worker started; while :; do sleep 1; done'
    deploy: {replicas: 2}
    depends_on: [db]
    networks: [back]
volumes:
  dbdata:
networks:
  front:
  back:
`,
  '.env': `WEB_PORT=${port}\nTAG=v1\n`,
  'web.env': 'SECRET_WORD=swordfish\n',
  'web/Dockerfile': 'FROM busybox\nARG GREETING\nRUN mkdir /www && echo "$GREETING" > /www/index.html\nCMD ["httpd", "-f", "-p", "80", "-h", "/www"]\n',
  'hostdir/.keep': '',
});
