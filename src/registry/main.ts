#!/usr/bin/env node
/**
 * berth's registry as its own process: `berth registry serve|garbage-collect` runs this file
 * (the CLI only talks to berthd, so it launches the registry rather than importing it). It
 * needs nothing but Node and this package, so it also runs as a container's entry point.
 */
import { readFile } from 'node:fs/promises';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { createLogger, isLogLevel } from '../base/log.js';
import { Htpasswd } from './auth/htpasswd.js';
import { RulePolicy } from './auth/scope.js';
import { startRegistry, type RegistryConfig } from './registry.js';
import { garbageCollect } from './storage/gc.js';

/** `500ms`, `30s`, `5m`, `2h`, or a number of seconds. */
export function parseDuration(value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError(`invalid duration "${value}" (e.g. 30s, 5m, 1h)`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return Math.round(Number(m[1]) * unit);
}

interface ServeFlags {
  addr: string;
  root: string;
  tlsCert?: string;
  tlsKey?: string;
  htpasswd?: string;
  token?: boolean;
  tokenRealm?: string;
  tokenService: string;
  tokenAccess?: string;
  tokenKeyFile?: string;
  tokenTtl: number;
  readOnly?: boolean;
  proxy?: string;
  proxyUsername?: string;
  proxyPassword?: string;
  proxyTagTtl: number;
  uploadTimeout: number;
  logLevel: string;
}

async function serve(flags: ServeFlags): Promise<void> {
  if (!isLogLevel(flags.logLevel)) throw new InvalidArgumentError(`invalid log level ${flags.logLevel}`);
  const log = createLogger((line) => process.stderr.write(line), flags.logLevel);
  if ((flags.tlsCert === undefined) !== (flags.tlsKey === undefined)) throw new InvalidArgumentError('--tls-cert and --tls-key go together');
  const config: RegistryConfig = { root: flags.root, addr: flags.addr, readOnly: flags.readOnly === true, uploadTimeoutMs: flags.uploadTimeout, log };
  if (flags.tlsCert !== undefined && flags.tlsKey !== undefined) config.tls = { cert: await readFile(flags.tlsCert), key: await readFile(flags.tlsKey) };
  if (flags.htpasswd !== undefined) config.htpasswd = await Htpasswd.load(flags.htpasswd);
  if (flags.token || flags.tokenRealm !== undefined || flags.tokenAccess !== undefined) {
    config.token = { service: flags.tokenService, ttlSeconds: Math.round(flags.tokenTtl / 1000) };
    if (flags.tokenRealm !== undefined) config.token.realm = flags.tokenRealm;
    if (flags.tokenAccess !== undefined) config.token.policy = await RulePolicy.load(flags.tokenAccess);
    if (flags.tokenKeyFile !== undefined) config.token.key = await readFile(flags.tokenKeyFile);
  }
  if (flags.proxy !== undefined) {
    const password = flags.proxyPassword ?? process.env.BERTH_REGISTRY_PROXY_PASSWORD;
    config.proxy = { url: flags.proxy, tagTtlMs: flags.proxyTagTtl };
    if (flags.proxyUsername !== undefined) config.proxy.username = flags.proxyUsername;
    if (password !== undefined) config.proxy.password = password;
  }
  const registry = await startRegistry(config);
  process.stdout.write(`berth registry listening on ${registry.url.href}\n`);
  const stop = (): void => {
    registry.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

const program = new Command('berth registry')
  .description("berth's OCI distribution registry")
  .exitOverride()
  .showSuggestionAfterError(true);

program
  .command('serve')
  .description('Serve a registry (OCI distribution spec v1.1) from a directory')
  .option('--addr <host:port>', 'Address to listen on (":5000" for all interfaces)', '127.0.0.1:5000')
  .option('--root <dir>', 'Storage directory', '/var/lib/berth-registry')
  .option('--tls-cert <file>', 'Serve HTTPS with this certificate (PEM)')
  .option('--tls-key <file>', 'Private key of --tls-cert (PEM)')
  .option('--htpasswd <file>', 'Users (bcrypt, htpasswd -B): Basic auth, or the token endpoint\'s users with --token')
  .option('--token', 'Bearer token auth with the registry\'s own token endpoint at /token')
  .option('--token-realm <url>', 'Realm advertised to clients (default: <scheme>://<host>/token); implies --token')
  .option('--token-service <name>', 'Service name in challenges and tokens', 'berth-registry')
  .option('--token-access <file>', 'Access rules (JSON {"rules":[{"account","name","actions"}]}); implies --token')
  .option('--token-key-file <file>', 'HMAC key for tokens (default: random per process)')
  .option('--token-ttl <duration>', 'Lifetime of issued tokens', parseDuration, 300_000)
  .option('--read-only', 'Refuse every write (405 UNSUPPORTED)')
  .option('--proxy <url>', 'Pull-through cache of this upstream registry (read-only)')
  .option('--proxy-username <user>', 'Upstream user')
  .option('--proxy-password <password>', 'Upstream password (or $BERTH_REGISTRY_PROXY_PASSWORD)')
  .option('--proxy-tag-ttl <duration>', 'Serve a cached tag this long before asking the upstream again', parseDuration, 0)
  .option('--upload-timeout <duration>', 'Remove upload sessions idle this long', parseDuration, 3_600_000)
  .option('--log-level <level>', 'debug, info, warn, error', 'info')
  .action(serve);

program
  .command('garbage-collect')
  .description("Delete blobs no manifest references (mark and sweep); safe while serving")
  .argument('<root>', 'Storage directory')
  .option('--dry-run', 'Only print what would be deleted')
  .option('-m, --delete-untagged', 'Also delete manifests that no tag reaches')
  .option('--grace-period <duration>', 'Keep blobs written or referenced this recently (pushes in progress)', parseDuration, 3_600_000)
  .action(async (root: string, flags: { dryRun?: boolean; deleteUntagged?: boolean; gracePeriod: number }) => {
    await garbageCollect(root, {
      dryRun: flags.dryRun === true,
      deleteUntagged: flags.deleteUntagged === true,
      graceMs: flags.gracePeriod,
      log: (line) => process.stdout.write(`${line}\n`),
    });
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode;
    return;
  }
  process.stderr.write(`berth registry: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
