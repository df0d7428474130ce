import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { setPriority, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execFileSync, spawnSync } from 'node:child_process';
import { ApiClient } from '../../src/client/index.js';

export const ROOT = resolve(import.meta.dirname, '../../..');
export const NODE = join(ROOT, 'scripts/node.sh');
export const BERTHD = join(ROOT, 'dist/src/daemon/main.js');
export const BERTH = join(ROOT, 'dist/src/cli/main.js');

export interface TestDaemon {
  dir: string;
  socket: string;
  host: string;
  dataRoot: string;
  client: ApiClient;
  proc: ChildProcess;
  log(): string;
  /** SIGTERM and wait. */
  stop(): Promise<void>;
  /** SIGKILL and wait: a crash. */
  kill9(): Promise<void>;
  /** Starts again on the same dirs. */
  restart(): Promise<void>;
  /** Stops and removes every temp dir. */
  cleanup(): Promise<void>;
}

/** How a test daemon is started, beyond berthd's own flags. */
export interface DaemonOptions {
  dataRoot?: string;
  /** Its nice value (and so that of everything it starts: conmon, runc, the containers), set before it serves. */
  priority?: number;
  /** Node's own flags, before berthd's script (what an operator would put on the node command line). */
  nodeArgs?: string[];
  /** Added to the environment it inherits. */
  env?: Record<string, string>;
}

/** Starts a real berthd on private temp dirs and a private socket. */
export async function startDaemon(extraArgs: string[] = [], opts: DaemonOptions = {}): Promise<TestDaemon> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-test-'));
  const socket = join(dir, 'berthd.sock');
  const dataRoot = opts.dataRoot ?? join(dir, 'data');
  const args = [...(opts.nodeArgs ?? []), BERTHD, '-H', `unix://${socket}`, '--data-root', dataRoot, '--exec-root', join(dir, 'exec'), '--pidfile', join(dir, 'berthd.pid'), '--config-file', join(dir, 'daemon.json'), ...extraArgs];
  const logPath = join(dir, 'berthd.log');
  // Its own default bridge, so test daemons never share one with each other or the host's berthd.
  const bridge = `bt${randomBytes(4).toString('hex')}`;
  // Names the embedded DNS cannot answer go to loopback, not to the host's real resolvers.
  writeFileSync(join(dir, 'daemon.json'), JSON.stringify({ bridge, dns: ['127.0.0.1'] }) + '\n');
  const d: TestDaemon = {
    dir,
    socket,
    host: `unix://${socket}`,
    dataRoot,
    client: new ApiClient({ host: `unix://${socket}` }),
    proc: undefined as unknown as ChildProcess,
    log: () => {
      try {
        return readFileSync(logPath, 'utf8');
      } catch {
        return '';
      }
    },
    stop: async () => {
      if (d.proc.exitCode !== null || d.proc.signalCode !== null) return;
      const exited = new Promise((r) => d.proc.once('exit', r));
      d.proc.kill('SIGTERM');
      await exited;
    },
    kill9: async () => {
      if (d.proc.exitCode !== null || d.proc.signalCode !== null) return;
      const exited = new Promise((r) => d.proc.once('exit', r));
      d.proc.kill('SIGKILL');
      await exited;
    },
    restart: async () => {
      d.proc = await launch(args, logPath, socket, opts);
    },
    cleanup: async () => {
      // Removing what a (failed) test left through the daemon undoes its network set-up too.
      if (d.proc.exitCode === null && d.proc.signalCode === null) {
        const left = (await d.client.json<{ Id: string }[]>('GET', '/containers/json?all=1').catch(() => [])) ?? [];
        for (const c of left) await d.client.json('DELETE', `/containers/${c.Id}?force=1&v=1`).catch(() => {});
        const nets = (await d.client.json<{ Id: string; Name: string }[]>('GET', '/networks').catch(() => [])) ?? [];
        for (const n of nets) if (!['bridge', 'host', 'none'].includes(n.Name)) await d.client.json('DELETE', `/networks/${n.Id}`).catch(() => {});
      }
      await d.stop();
      reapContainers(dir);
      removeNetworks(dataRoot, bridge);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  d.proc = await launch(args, logPath, socket, opts);
  return d;
}

async function launch(args: string[], logPath: string, socket: string, opts: DaemonOptions): Promise<ChildProcess> {
  const fd = openSync(logPath, 'a');
  const proc = spawn(NODE, args, { stdio: ['ignore', fd, fd], env: { ...process.env, ...opts.env } });
  // Before node has even loaded berthd: nothing it starts escapes the setting.
  if (opts.priority !== undefined && proc.pid !== undefined) setPriority(proc.pid, opts.priority);
  const client = new ApiClient({ host: `unix://${socket}` });
  for (let i = 0; i < 100; i++) {
    if (proc.exitCode !== null) throw new Error(`berthd exited with ${proc.exitCode}: ${readFileSync(logPath, 'utf8')}`);
    try {
      await client.json('GET', '/version');
      return proc;
    } catch {
      await sleep(100);
    }
  }
  proc.kill('SIGKILL');
  throw new Error(`berthd did not answer within 10 s: ${readFileSync(logPath, 'utf8')}`);
}

/**
 * Containers outlive berthd by design: a test's leftovers (runtime state, conmon, rootfs mounts
 * under its temp dir) are ended here so they cannot pile up across runs.
 */
function reapContainers(dir: string): void {
  for (const runtime of ['runc', 'crun']) {
    const root = join(dir, 'exec', 'runtime', runtime);
    if (!existsSync(root)) continue;
    const list = spawnSync(runtime, ['--root', root, 'list', '-q']);
    for (const id of (list.stdout?.toString() ?? '').split('\n').filter(Boolean)) spawnSync(runtime, ['--root', root, 'delete', '--force', id]);
  }
  spawnSync('pkill', ['-9', '-f', `conmon .*${dir}`]);
  const mounts = readFileSync('/proc/self/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1] ?? '').filter((m) => m.startsWith(dir + '/'));
  for (const m of mounts.reverse()) spawnSync('umount', ['-l', m]);
}

/** The bridges and firewall chains a test daemon made (its containers' CNI rules went with them). */
export function removeNetworks(dataRoot: string, bridge: string): void {
  const bridges = [bridge];
  const netDir = join(dataRoot, 'networks');
  if (existsSync(netDir)) {
    for (const f of readdirSync(netDir)) {
      try {
        const n = JSON.parse(readFileSync(join(netDir, f), 'utf8')) as { bridge?: string };
        if (n.bridge) bridges.push(n.bridge);
      } catch {
        // not a network record
      }
    }
  }
  for (const b of new Set(bridges)) spawnSync('ip', ['link', 'del', b]);
  for (const tool of ['iptables', 'ip6tables']) {
    for (const [table, chain, from] of [['filter', `BERTH-FWD-${bridge}`, 'FORWARD'], ['filter', `BERTH-DNS-${bridge}`, 'INPUT'], ['nat', `BERTH-NAT-${bridge}`, 'POSTROUTING']]) {
      spawnSync(tool, ['-w', '-t', table!, '-D', from!, '-j', chain!]);
      spawnSync(tool, ['-w', '-t', table!, '-F', chain!]);
      spawnSync(tool, ['-w', '-t', table!, '-X', chain!]);
    }
  }
}

/** The busybox rootfs tar the setup makes, built once per test process. */
let busyboxTar: Buffer | undefined;
export function busyboxRootfs(): Buffer {
  busyboxTar ??= execFileSync('bash', [join(ROOT, 'scripts/make-busybox-rootfs.sh')], { maxBuffer: 64 << 20 });
  return busyboxTar;
}

/** Runs the berth CLI against a daemon; never throws, returns what a user would see. */
export function berth(host: string, args: string[], input?: Buffer | string): { code: number; stdout: string; stderr: string } {
  return run(NODE, [BERTH, '-H', host, ...args], {}, input);
}

/** Runs the real docker CLI against a daemon. */
export function docker(host: string, args: string[], input?: Buffer | string, env: Record<string, string> = {}): { code: number; stdout: string; stderr: string } {
  return run('docker', args, { DOCKER_HOST: host, DOCKER_CONFIG: join(tmpdir(), 'berth-test-docker-config'), ...env }, input);
}

function run(cmd: string, args: string[], env: Record<string, string>, input?: Buffer | string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { env: { ...process.env, ...env }, input, maxBuffer: 512 << 20, timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout?.toString() ?? '', stderr: r.stderr?.toString() ?? '' };
}

export const isRoot = process.getuid?.() === 0 && process.env.BERTH_TEST_ROOT === '1';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A CLI bound to a test's daemon: run it, expect success (its stdout), or expect a failure. */
export interface BoundCli {
  run(args: string[], input?: Buffer | string): CliResult;
  ok(args: string[], input?: Buffer | string): string;
  fails(args: string[], message: RegExp): CliResult;
}

/** `daemon` is read at each call, as tests assign theirs in `before`. */
export function cliFor(tool: 'docker' | 'berth', daemon: () => TestDaemon): BoundCli {
  const exec = tool === 'docker' ? docker : berth;
  const run = (args: string[], input?: Buffer | string): CliResult => exec(daemon().host, args, input);
  return {
    run,
    ok: (args, input) => {
      const r = run(args, input);
      if (r.code !== 0) throw new Error(`${tool} ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
      return r.stdout;
    },
    fails: (args, message) => {
      const r = run(args);
      if (r.code === 0) throw new Error(`${tool} ${args.join(' ')} should fail; it printed: ${r.stdout}`);
      if (!message.test(r.stderr)) throw new Error(`${tool} ${args.join(' ')}: ${JSON.stringify(r.stderr)} does not match ${message}`);
      return r;
    },
  };
}
