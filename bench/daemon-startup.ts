/**
 * berthd's start-up cost, over several fresh starts on the same data root (one image, no
 * containers): spawn to the API socket answering `/_ping`, RSS idle a moment after, the first
 * `docker create` after start (it pays any code loaded or compiled lazily), and the steady-state
 * create (median of the next few). Prints min and median of each over the runs: the machine is
 * shared and noisy, so the min is the number to compare.
 * Run as root after `npm run up`: `npm run bench:startup` (BENCH_RUNS=7 by default).
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BERTHD, busyboxRootfs, startDaemon } from '../test/helpers/daemon.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const STEADY = 5;
/** How long berthd sits idle before its RSS is read: start-up's garbage has had a chance to go. */
const IDLE_MS = 2000;
const ms = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;
const sorted = (xs: number[]): number[] => [...xs].sort((a, b) => a - b);
const median = (xs: number[]): number => sorted(xs)[Math.floor(xs.length / 2)]!;
const rssKb = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);

// The node binary itself, as /usr/local/bin/berthd runs it: no bash wrapper in the timings.
const node = execFileSync('bash', [join(import.meta.dirname, '../../scripts/node.sh'), '-p', 'process.execPath']).toString().trim();
const work = mkdtempSync(join(tmpdir(), 'berth-bench-start-'));
const env = { ...process.env, DOCKER_CONFIG: join(work, 'docker-config') };

function ping(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath: socket, path: '/_ping' }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.end();
  });
}

function docker(host: string, args: string[]): string {
  const r = spawnSync('docker', args, { env: { ...env, DOCKER_HOST: host }, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) throw new Error(`docker ${args.join(' ')}: ${r.stderr?.toString()}`);
  return r.stdout.toString().trim();
}

function timedCreate(host: string): { ms: number; id: string } {
  const t0 = process.hrtime.bigint();
  const id = docker(host, ['create', 'busybox', 'true']);
  return { ms: ms(t0), id };
}

interface Run {
  ready: number;
  rss: number;
  firstCreate: number;
  steadyCreate: number;
}

// Set-up on a daemon of its own, so the measured starts all find the same data root.
const d = await startDaemon();
const args = [BERTHD, '-H', d.host, '--data-root', d.dataRoot, '--exec-root', join(d.dir, 'exec'), '--pidfile', join(d.dir, 'berthd.pid'), '--config-file', join(d.dir, 'daemon.json')];
const runs: Run[] = [];
try {
  execFileSync('docker', ['import', '-c', 'CMD ["sh"]', '-', 'busybox:latest'], { env: { ...env, DOCKER_HOST: d.host }, input: busyboxRootfs(), stdio: ['pipe', 'ignore', 'inherit'] });
  await d.stop();
  for (let i = 0; i < RUNS; i++) runs.push(await measure());
} finally {
  await d.restart();
  await d.cleanup();
  rmSync(work, { recursive: true, force: true });
}

async function measure(): Promise<Run> {
  const t0 = process.hrtime.bigint();
  const proc: ChildProcess = spawn(node, args, { stdio: 'ignore' });
  try {
    while (!(await ping(d.socket))) {
      if (proc.exitCode !== null) throw new Error(`berthd exited with ${proc.exitCode}: ${d.log()}`);
      if (ms(t0) > 30_000) throw new Error('berthd did not answer within 30 s');
      await sleep(5);
    }
    const ready = ms(t0);
    await sleep(IDLE_MS);
    const rss = rssKb(proc.pid!) / 1024;
    const first = timedCreate(d.host);
    const steady = Array.from({ length: STEADY }, () => timedCreate(d.host));
    docker(d.host, ['rm', first.id, ...steady.map((s) => s.id)]);
    return { ready, rss, firstCreate: first.ms, steadyCreate: median(steady.map((s) => s.ms)) };
  } finally {
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    await exited;
  }
}

const row = (name: string, unit: string, xs: number[]): string => `${name.padEnd(34)} min ${sorted(xs)[0]!.toFixed(1).padStart(7)} ${unit}   median ${median(xs).toFixed(1).padStart(7)} ${unit}`;
console.log(`berthd start-up, ${RUNS} fresh starts (load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')})`);
console.log(row('spawn → /_ping answers', 'ms', runs.map((r) => r.ready)));
console.log(row(`RSS idle (${IDLE_MS / 1000} s after ready)`, 'MB', runs.map((r) => r.rss)));
console.log(row('first docker create after start', 'ms', runs.map((r) => r.firstCreate)));
console.log(row(`steady docker create (median of ${STEADY})`, 'ms', runs.map((r) => r.steadyCreate)));
