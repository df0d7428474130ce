import { Command, Option } from 'commander';
import { readFileSync, statSync } from 'node:fs';
import { mkdir, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createApi } from '../api/index.js';
import { BerthError, isErrno } from '../base/errors.js';
import { createServer as createNetServer, type Server } from 'node:net';
import { createLogger, isLogLevel, type LogLevel } from '../base/log.js';
import { startMallocTrim } from '../base/malloc-trim.js';
import { validateLogOpts } from '../containers/index.js';
import { composeEngine } from './compose.js';
import { mergeConfig, readConfigFile, RELOADABLE, type DaemonConfig, DEFAULTS } from './config.js';
import { checkListeners, startListeners, stopListeners } from './listeners.js';
import { BERTH_VERSION } from './system-info.js';

const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

function parseFlags(argv: string[]): { flags: Partial<DaemonConfig>; configFile: string; configFileGiven: boolean } {
  const program = new Command('berthd')
    .description('berth daemon: serves the Docker Engine API')
    .version(BERTH_VERSION, '-v, --version')
    .addOption(new Option('-H, --host <address>', 'daemon socket(s) to listen on (unix://, tcp://, fd://)').argParser(collect))
    .option('--data-root <dir>', `root of persistent state (default "${DEFAULTS.dataRoot}")`)
    .option('--exec-root <dir>', `root of runtime state (default "${DEFAULTS.execRoot}")`)
    .option('-p, --pidfile <file>', `path to the pid file (default "${DEFAULTS.pidfile}")`)
    .option('-l, --log-level <level>', 'debug, info, warn, error or fatal (default "info")')
    .option('-D, --debug', 'enable debug mode')
    .option('--config-file <file>', `daemon configuration file (default "${DEFAULTS.configFile}")`)
    .option('--tls', 'use TLS; implied by --tlsverify')
    .option('--tlsverify', 'use TLS and verify clients against --tlscacert')
    .option('--tlscacert <file>', 'trust certs signed only by this CA')
    .option('--tlscert <file>', 'path to TLS certificate file')
    .option('--tlskey <file>', 'path to TLS key file')
    .option('--default-runtime <name>', 'default OCI runtime for containers (runc or crun)')
    .option('--label <key=value>', 'set key=value labels on the daemon', collect)
    .option('--log-driver <name>', 'default driver for container logs (default "json-file")')
    .option('--log-opt <key=value>', 'default log driver options for containers', collect)
    .option('--insecure-registry <registry>', 'registry (host[:port] or CIDR) to reach without TLS checks or over HTTP', collect)
    .option('--registry-mirror <url>', 'preferred Docker Hub mirror', collect)
    .exitOverride();
  program.parse(argv, { from: 'user' });
  const o = program.opts<Record<string, unknown>>();
  const flags: Partial<DaemonConfig> = {};
  const set = <K extends keyof DaemonConfig>(k: K, v: unknown): void => {
    if (v !== undefined) flags[k] = v as DaemonConfig[K];
  };
  set('hosts', o.host);
  set('dataRoot', o.dataRoot);
  set('execRoot', o.execRoot);
  set('pidfile', o.pidfile);
  set('logLevel', o.logLevel);
  set('debug', o.debug);
  set('tls', o.tls);
  set('tlsVerify', o.tlsverify);
  set('tlsCaCert', o.tlscacert);
  set('tlsCert', o.tlscert);
  set('tlsKey', o.tlskey);
  set('defaultRuntime', o.defaultRuntime);
  set('labels', o.label);
  set('logDriver', o.logDriver);
  if (o.logOpt) flags.logOpts = Object.fromEntries((o.logOpt as string[]).map((kv) => [kv.split('=', 1)[0]!, kv.slice(kv.indexOf('=') + 1)]));
  set('insecureRegistries', o.insecureRegistry);
  set('registryMirrors', o.registryMirror);
  if (flags.logLevel !== undefined && !isLogLevel(flags.logLevel)) throw new BerthError('InvalidArgument', `unable to parse logging level: ${flags.logLevel}`);
  const configFile = (o.configFile as string | undefined) ?? DEFAULTS.configFile;
  return { flags, configFile, configFileGiven: o.configFile !== undefined };
}

/**
 * One berthd per data root: a listening socket in the abstract namespace, named after the data
 * root's device and inode. The kernel releases it when the process dies however it dies, like an
 * flock, without loading native code at start-up (koffi costs ~14 MB of a daemon's RSS).
 */
async function lockDataRoot(root: string): Promise<Server> {
  const st = statSync(root);
  const server = createNetServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ path: `\0berthd-data-root-${st.dev}-${st.ino}` }, () => resolve());
    });
  } catch (err) {
    if (isErrno(err, 'EADDRINUSE')) {
      let pid = '';
      try {
        pid = readFileSync(join(root, 'berthd.lock'), 'utf8').trim();
      } catch {
        // no pid recorded
      }
      throw new BerthError('Conflict', `another berthd is already running on data root ${root}${pid ? ` (pid ${pid})` : ''}`);
    }
    throw err;
  }
  server.unref();
  return server;
}

/** berthd proper: flags, config, the engine, listeners, signals. Runs with the tuning in effect. */
export async function serve(): Promise<void> {
  const { flags, configFile, configFileGiven } = parseFlags(process.argv.slice(2));
  let config = mergeConfig(flags, await readConfigFile(configFile, configFileGiven));
  // dockerd checks default log options at start-up (only when some are given).
  if (Object.keys(config.logOpts).length) {
    try {
      validateLogOpts(config.logDriver, config.logOpts);
    } catch (err) {
      throw new BerthError('InvalidArgument', `failed to set log opts: ${(err as Error).message}`, { cause: err });
    }
  }
  const log = createLogger((line) => process.stderr.write(line), config.logLevel);

  await mkdir(config.dataRoot, { recursive: true, mode: 0o711 });
  await mkdir(config.execRoot, { recursive: true, mode: 0o711 });
  const lock = await lockDataRoot(config.dataRoot);
  await writeFile(join(config.dataRoot, 'berthd.lock'), String(process.pid));
  await mkdir(dirname(config.pidfile), { recursive: true });
  await writeFile(config.pidfile, String(process.pid));

  // A bug in one request must not take down the daemon (and with it every API client).
  process.on('uncaughtException', (err) => log.error('uncaught exception', { err }));
  process.on('unhandledRejection', (err) => log.error('unhandled rejection', { err }));
  checkListeners(config);
  const engine = await composeEngine(() => config, log);
  const api = createApi(engine.services, log);
  const listeners = await startListeners(config, api);
  log.info('berthd started', { version: BERTH_VERSION, listen: listeners.map((l) => l.address).join(','), dataRoot: config.dataRoot });
  engine.services.events.publish('daemon', 'start', engine.services.system.version().version, {});
  const stopTrim = startMallocTrim(undefined, (err) => log.warn('returning freed memory to the kernel stopped', { err }));

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down', { signal });
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    stopTrim();
    await stopListeners(listeners);
    await engine.shutdown();
    await unlink(config.pidfile).catch(() => {});
    lock.close();
    log.info('berthd stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGHUP', () => {
    readConfigFile(configFile, false)
      .then((file) => {
        const next = mergeConfig(flags, file);
        const changed: string[] = [];
        for (const k of RELOADABLE) {
          if (JSON.stringify(next[k]) !== JSON.stringify(config[k])) changed.push(k);
        }
        config = { ...config, ...Object.fromEntries(RELOADABLE.map((k) => [k, next[k]])) };
        log.setLevel(config.logLevel as LogLevel);
        log.info('reloaded configuration', { file: configFile, changed: changed.join(',') });
        engine.services.events.publish('daemon', 'reload', engine.services.system.version().version, {});
      })
      .catch((err: unknown) => log.error('reload failed; keeping the running configuration', { err }));
  });
}
