#!/usr/bin/env node
/**
 * berth's compose as a docker CLI plugin (`docker compose …`): installed as `docker-compose` in
 * the CLI's plugin directory by scripts/setup.sh. The docker CLI runs it as
 * `docker-compose docker-cli-plugin-metadata` (answered with the plugin's metadata) or as
 * `docker-compose [GLOBAL OPTIONS] compose [ARGS]`: the global options and the environment say
 * which daemon, as for the CLI itself (`-H`, `--context`, DOCKER_HOST, DOCKER_CONTEXT, the
 * config's currentContext); the rest runs as `berth compose`.
 */
import module from 'node:module';
import { createHash } from '../base/crypto.js';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { COMPOSE_VERSION } from '../compose/index.js';

module.enableCompileCache?.();

const METADATA = { SchemaVersion: '0.1.0', Vendor: 'berth', Version: `v${COMPOSE_VERSION}`, ShortDescription: 'Docker Compose', URL: 'https://github.com/docker/compose' };

/** The docker CLI's global options that take a value. */
const VALUED = new Set(['-H', '--host', '-c', '--context', '--config', '-l', '--log-level', '--tlscacert', '--tlscert', '--tlskey']);

interface Globals {
  host?: string;
  context?: string;
  config?: string;
  /** Options berth's CLI takes as they are (TLS). */
  passed: string[];
}

function splitGlobals(args: string[]): { globals: Globals; rest: string[] } {
  const g: Globals = { passed: [] };
  let i = 0;
  for (; i < args.length && args[i] !== 'compose'; i++) {
    const a = args[i]!;
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const flag = eq > 0 ? a.slice(0, eq) : a;
    const value = (): string => (eq > 0 ? a.slice(eq + 1) : args[++i] ?? '');
    if (!VALUED.has(flag)) {
      if (flag === '--tls' || flag === '--tlsverify') g.passed.push(a);
      continue;
    }
    const v = value();
    if (flag === '-H' || flag === '--host') g.host = v;
    else if (flag === '-c' || flag === '--context') g.context = v;
    else if (flag === '--config') g.config = v;
    else if (flag.startsWith('--tls')) g.passed.push(flag, v);
  }
  return { globals: g, rest: args.slice(i + 1) };
}

/** The endpoint of a docker context, from the CLI's context store (contexts/meta/<sha256>/meta.json). */
function contextHost(configDir: string, name: string): string | undefined {
  if (name === 'default') return undefined;
  const id = createHash('sha256').update(name).digest('hex');
  try {
    const meta = JSON.parse(readFileSync(join(configDir, 'contexts', 'meta', id, 'meta.json'), 'utf8')) as { Endpoints?: { docker?: { Host?: string } } };
    const host = meta.Endpoints?.docker?.Host;
    if (host) return host;
  } catch {
    // fall through to the error below
  }
  process.stderr.write(`context "${name}" does not exist\n`);
  process.exit(1);
}

/** Where the docker CLI would connect, in its order: -H, --context, DOCKER_HOST, DOCKER_CONTEXT, currentContext. */
function dockerHost(g: Globals, env: NodeJS.ProcessEnv): string | undefined {
  if (g.host) return g.host;
  const configDir = g.config ?? env.DOCKER_CONFIG ?? join(homedir(), '.docker');
  if (g.context) return contextHost(configDir, g.context);
  if (env.DOCKER_HOST) return env.DOCKER_HOST;
  let current = env.DOCKER_CONTEXT;
  if (!current) {
    try {
      current = (JSON.parse(readFileSync(join(configDir, 'config.json'), 'utf8')) as { currentContext?: string }).currentContext;
    } catch {
      current = undefined;
    }
  }
  const fromContext = current ? contextHost(configDir, current) : undefined;
  if (fromContext) return fromContext;
  // The default context: docker's own socket where there is one (the daemon `docker ps` talks
  // to); else berth's, rather than a socket nothing listens on.
  return existsSync('/var/run/docker.sock') ? 'unix:///var/run/docker.sock' : undefined;
}

const args = process.argv.slice(2);
if (args[0] === 'docker-cli-plugin-metadata') {
  process.stdout.write(JSON.stringify(METADATA, null, 5) + '\n');
} else {
  const { globals, rest } = splitGlobals(args);
  const host = dockerHost(globals, process.env);
  // The docker CLI's choice wins over a BERTH_HOST meant for berth's own CLI.
  if (host) process.env.BERTH_HOST = host;
  else delete process.env.BERTH_HOST;
  process.argv = [process.argv[0]!, process.argv[1]!, ...globals.passed, 'compose', ...rest];
  await import('./program.js');
}
