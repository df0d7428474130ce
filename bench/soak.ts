/**
 * The soak (issue 14): does berthd stay small under sustained load, and does it scale to 1,000
 * running containers? Two checks, each against a fresh test daemon:
 *
 * - plateau: SOAK_RUNS (3,000) `docker run --rm busybox true` in a row; berthd's RSS after
 *   SOAK_CHECKPOINT (300) runs and at the end, PASS when the end is within 10 % of the checkpoint.
 *   Heap figures come from `GET /debug/vars`; a line every SOAK_EVERY runs shows the trend.
 * - scale: SOAK_CONTAINERS (1,000) `run -d busybox sleep 3600`, SOAK_CONCURRENCY (6) at a time:
 *   time to start all, `docker ps` with all listed, berthd's RSS and fds, each container's cost
 *   (its conmon's PSS, berthd's growth), `rm -f` of all, then what was left behind: mounts, netns
 *   files, veths, cgroups, iptables rules, conmon processes.
 *
 * The scale check's floor comes first, in the same run: the runtime alone starting and removing as
 * many containers of berth's own spec, each with an overlay rootfs and a pinned netns
 * (scale-floor.ts). A time target that floor is over is printed as BELOW THE FLOOR when berth misses
 * it too: the runtime alone cannot meet it on this machine, so it does not fail the soak.
 *
 * SOAK_PHASES=plateau or scale runs one; BERTHD_NODE_ARGS (space-separated) adds node flags to
 * the daemon, to compare tunings (runtime-tuning.ts keeps an operator's value for a flag it sets).
 * Run as root, on a quiet machine for the full counts: `npm run bench:soak`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { busyboxRootfs, startDaemon, type TestDaemon } from '../test/helpers/daemon.js';
import { inParallel, scaleFloor, type FloorTimes } from './scale-floor.js';

const num = (name: string, dflt: number): number => Number(process.env[name] ?? dflt);
const RUNS = num('SOAK_RUNS', 3000);
const CHECKPOINT = Math.min(num('SOAK_CHECKPOINT', 300), RUNS);
const EVERY = num('SOAK_EVERY', 300);
const CONTAINERS = num('SOAK_CONTAINERS', 1000);
const CONCURRENCY = num('SOAK_CONCURRENCY', 6);
const PHASES = (process.env.SOAK_PHASES ?? 'plateau,scale').split(',');
const NODE_ARGS = (process.env.BERTHD_NODE_ARGS ?? '').split(' ').filter(Boolean);

const work = mkdtempSync(join(tmpdir(), 'berth-bench-soak-'));
const ms = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mb = (kb: number): string => `${(kb / 1024).toFixed(1)} MB`;
const row = (name: string, value: string): string => `${name.padEnd(44)} ${value}`;

function status(pid: number, field: string): number {
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
}

interface Sample {
  rss: number;
  anon: number;
  file: number;
  heapUsed: number;
  heapTotal: number;
}

async function sample(d: TestDaemon): Promise<Sample> {
  // A daemon without the endpoint (an older build, to compare against) shows no heap figures.
  const vars = await d.client.json<{ memstats: { heapUsed: number; heapTotal: number } }>('GET', '/debug/vars').catch(() => undefined);
  const pid = d.proc.pid!;
  return { rss: status(pid, 'VmRSS'), anon: status(pid, 'RssAnon'), file: status(pid, 'RssFile'), heapUsed: (vars?.memstats.heapUsed ?? NaN) / 1024, heapTotal: (vars?.memstats.heapTotal ?? NaN) / 1024 };
}

const show = (s: Sample): string => `RSS ${mb(s.rss)} (anon ${mb(s.anon)}, file ${mb(s.file)})  heap used ${mb(s.heapUsed)} / total ${mb(s.heapTotal)}`;

function docker(d: TestDaemon, args: string[], input?: Buffer): string {
  const r = spawnSync('docker', args, { env: { ...process.env, DOCKER_HOST: d.host, DOCKER_CONFIG: join(work, 'docker-config') }, input, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`docker ${args.slice(0, 4).join(' ')}: ${r.stderr?.toString()}`);
  return r.stdout.toString();
}

function dockerAsync(d: TestDaemon, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn('docker', args, { env: { ...process.env, DOCKER_HOST: d.host, DOCKER_CONFIG: join(work, 'docker-config') }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (b: Buffer) => (err += b.toString()));
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`docker ${args.join(' ')} exited ${code}: ${err}`))));
  });
}

async function freshDaemon(): Promise<TestDaemon> {
  const d = await startDaemon([], { nodeArgs: NODE_ARGS });
  docker(d, ['import', '-c', 'CMD ["sh"]', '-', 'busybox:latest'], busyboxRootfs());
  return d;
}

async function plateau(): Promise<boolean> {
  const d = await startDaemon([], { nodeArgs: NODE_ARGS });
  try {
    // Fresh: started, idle a moment, no work yet (as bench/daemon-startup.ts reads it).
    await sleep(2000);
    const fresh = await sample(d);
    console.log(row('plateau: fresh, idle', show(fresh)));
    docker(d, ['import', '-c', 'CMD ["sh"]', '-', 'busybox:latest'], busyboxRootfs());
    let atCheckpoint = fresh;
    const times: number[] = [];
    for (let i = 1; i <= RUNS; i++) {
      const t0 = process.hrtime.bigint();
      docker(d, ['run', '--rm', 'busybox', 'true']);
      times.push(ms(t0));
      if (i === CHECKPOINT) atCheckpoint = await sample(d);
      if (i % EVERY === 0 || i === CHECKPOINT) console.log(row(`plateau: after ${i} runs (median ${median(times.slice(-EVERY)).toFixed(0)} ms)`, show(await sample(d))));
    }
    const end = await sample(d);
    const ratio = end.rss / atCheckpoint.rss;
    const pass = ratio <= 1.1;
    console.log(row(`plateau: RSS after ${RUNS} / after ${CHECKPOINT}`, `${mb(end.rss)} / ${mb(atCheckpoint.rss)} = ${ratio.toFixed(3)}  ${pass ? 'PASS' : 'FAIL'} (within 10 %)`));
    console.log(row('plateau: fresh idle RSS', `${mb(fresh.rss)}  ${fresh.rss <= 70 * 1024 ? 'PASS' : 'FAIL'} (≤ 70 MB)`));
    return pass && fresh.rss <= 70 * 1024;
  } finally {
    await d.cleanup();
  }
}

/** What one test daemon's containers may leave on the host. */
interface HostState {
  mounts: number;
  netns: number;
  veths: number;
  cgroups: number;
  rules: number;
  conmons: number[];
}

/** Counted for this daemon only (other daemons may come and go meanwhile): its dirs, its bridge, its containers. */
function hostState(d: TestDaemon, bridge: string, ids: string[]): HostState {
  const ours = (line: string): boolean => line.includes(bridge) || ids.some((id) => line.includes(id) || line.includes(id.slice(0, 12)));
  const mounts = readFileSync('/proc/self/mounts', 'utf8').split('\n').filter((l) => l.split(' ')[1]?.startsWith(d.dir + '/')).length;
  const netnsDir = join(d.dir, 'exec', 'netns');
  const netns = existsSync(netnsDir) ? readdirSync(netnsDir).length : 0;
  const veths = spawnSync('ip', ['-o', 'link', 'show', 'master', bridge]).stdout.toString().split('\n').filter(Boolean).length;
  const idSet = new Set(ids);
  const cgroups = readdirSync('/sys/fs/cgroup').reduce((n, ctl) => n + (existsSync(join('/sys/fs/cgroup', ctl, 'berth')) ? readdirSync(join('/sys/fs/cgroup', ctl, 'berth')).filter((e) => idSet.has(e)).length : 0), 0);
  const rules = ['iptables-save', 'ip6tables-save'].reduce((n, tool) => n + spawnSync(tool).stdout.toString().split('\n').filter((l) => l.startsWith('-A') && ours(l)).length, 0);
  return { mounts, netns, veths, cgroups, rules, conmons: conmonPids(d) };
}

function conmonPids(d: TestDaemon): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
        return cmd.startsWith('/usr/bin/conmon') && cmd.includes(d.dir);
      } catch {
        return false;
      }
    })
    .map(Number);
}

const pssKb = (pid: number): number => Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
/** berthd's CPU time (user + system, ms) from /proc: the fields after the command's closing parenthesis. */
const cpuMs = (pid: number): number => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
};
const fds = (pid: number): number => readdirSync(`/proc/${pid}/fd`).length;

/**
 * The runtime's floor for the scale check, with this daemon's own spec and image files. The
 * container the spec comes from runs meanwhile: its /etc files are bound into the floor's.
 */
async function floorOf(d: TestDaemon): Promise<FloorTimes> {
  const id = docker(d, ['run', '-d', 'busybox', 'sleep', '3600']).trim();
  try {
    const spec = JSON.parse(readFileSync(join(d.dir, 'exec', 'containers', id, 'config.json'), 'utf8')) as Parameters<typeof scaleFloor>[2];
    const rootfs = join(work, 'rootfs');
    mkdirSync(rootfs, { recursive: true });
    spawnSync('tar', ['-C', rootfs, '-xf', '-'], { input: busyboxRootfs() });
    return await scaleFloor(join(work, 'floor'), rootfs, spec, CONTAINERS, CONCURRENCY);
  } finally {
    docker(d, ['rm', '-f', id]);
  }
}

async function scale(): Promise<boolean> {
  const d = await freshDaemon();
  try {
    const bridge = (JSON.parse(docker(d, ['network', 'inspect', 'bridge'])) as { Options: Record<string, string> }[])[0]!.Options['com.docker.network.bridge.name']!;
    docker(d, ['run', '--rm', 'busybox', 'true']);
    const floor = await floorOf(d);
    await sleep(1000);
    const before = hostState(d, bridge, []);
    const base = await sample(d);
    const baseFds = fds(d.proc.pid!);
    let t0 = process.hrtime.bigint();
    await inParallel(CONTAINERS, CONCURRENCY, () => dockerAsync(d, ['run', '-d', 'busybox', 'sleep', '3600']));
    const startAll = ms(t0) / 1000;
    const psTimes: number[] = [];
    let listed = 0;
    for (let i = 0; i < 3; i++) {
      t0 = process.hrtime.bigint();
      listed = docker(d, ['ps', '-q']).split('\n').filter(Boolean).length;
      psTimes.push(ms(t0));
    }
    await sleep(1000);
    const cpu0 = cpuMs(d.proc.pid!);
    await sleep(10_000);
    const idleCpu = (cpuMs(d.proc.pid!) - cpu0) / 100;
    const busy = await sample(d);
    const busyFds = fds(d.proc.pid!);
    const conmons = conmonPids(d);
    const pss = conmons.reduce((n, p) => n + pssKb(p), 0) / Math.max(conmons.length, 1);
    const ids = docker(d, ['ps', '-aq', '--no-trunc']).split('\n').filter(Boolean);
    // The same counts while they run: what the leak check would see if removal left them.
    const during = hostState(d, bridge, ids);
    t0 = process.hrtime.bigint();
    docker(d, ['rm', '-f', ...ids]);
    const rmAll = ms(t0) / 1000;
    await sleep(1000);
    const after = hostState(d, bridge, ids);
    const afterRm = await sample(d);

    const n = CONTAINERS;
    const left = { mounts: after.mounts - before.mounts, netns: after.netns - before.netns, veths: after.veths - before.veths, cgroups: after.cgroups - before.cgroups, rules: after.rules - before.rules, conmons: after.conmons.length - before.conmons.length };
    const leaked = Object.values(left).some((v) => v > 0);
    const targets = { startS: (90 * n) / 1000, rmS: (30 * n) / 1000 };
    const ok = { start: startAll <= targets.startS, ps: median(psTimes) <= 300 && listed === n, rss: busy.rss <= 200 * 1024, rm: rmAll <= targets.rmS };
    const mark = (b: boolean): string => (b ? 'PASS' : 'FAIL');
    // A time target the runtime alone misses in this run (its floor is over the target) is below the
    // floor: reported as such, and not counted as berth's failure.
    const belowFloor = { start: !ok.start && floor.startS > targets.startS, rm: !ok.rm && floor.removeS > targets.rmS };
    const timed = (met: boolean, below: boolean): string => (below ? 'BELOW THE FLOOR' : mark(met));
    console.log(row(`scale: floor, start ${n} (runc run -d, ${CONCURRENCY} at a time)`, `${floor.startS.toFixed(1)} s`));
    console.log(row(`scale: start ${n} (run -d, ${CONCURRENCY} at a time)`, `${startAll.toFixed(1)} s = ${(startAll / floor.startS).toFixed(2)}× the floor  ${timed(ok.start, belowFloor.start)} (≤ ${targets.startS.toFixed(0)} s)`));
    console.log(row(`scale: docker ps, ${listed} listed, median of 3`, `${median(psTimes).toFixed(0)} ms  ${mark(ok.ps)} (≤ 300 ms)`));
    console.log(row('scale: berthd before', show(base)));
    console.log(row(`scale: berthd with ${n} running`, `${show(busy)}  ${mark(ok.rss)} (RSS ≤ 200 MB)`));
    console.log(row(`scale: berthd CPU, idle with ${n} running`, `${idleCpu.toFixed(1)} % of a core (over 10 s)`));
    console.log(row('scale: berthd growth per container', `${((busy.rss - base.rss) / n).toFixed(1)} kB RSS, ${(((busy.heapUsed - base.heapUsed) * 1024) / n / 1024).toFixed(1)} kB heap used`));
    console.log(row('scale: berthd fds', `${baseFds} → ${busyFds} (${((busyFds - baseFds) / n).toFixed(2)} per container; nofile limit 20000 in tests)`));
    console.log(row('scale: conmon PSS per container', `${(pss / 1024).toFixed(2)} MB over ${conmons.length} conmons`));
    console.log(row(`scale: floor, remove ${n} (runc delete -f, 50 at a time)`, `${floor.removeS.toFixed(1)} s`));
    console.log(row(`scale: rm -f of all ${ids.length}`, `${rmAll.toFixed(1)} s = ${(rmAll / floor.removeS).toFixed(2)}× the floor  ${timed(ok.rm, belowFloor.rm)} (≤ ${targets.rmS.toFixed(0)} s)`));
    console.log(row('scale: berthd after rm', show(afterRm)));
    console.log(row(`scale: host state with ${n} running`, `mounts ${during.mounts}, netns ${during.netns}, veths ${during.veths}, cgroups ${during.cgroups}, rules ${during.rules}, conmons ${during.conmons.length}`));
    console.log(row('scale: left behind', `${Object.entries(left).map(([k, v]) => `${k} ${v}`).join(', ')}  ${leaked ? 'FAIL' : 'PASS'}`));
    if (belowFloor.start || belowFloor.rm) belowTheFloor = true;
    return (ok.start || belowFloor.start) && ok.ps && ok.rss && (ok.rm || belowFloor.rm) && !leaked;
  } finally {
    await d.cleanup();
  }
}

console.log(`soak (load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}${NODE_ARGS.length ? `; node flags ${NODE_ARGS.join(' ')}` : ''})`);
let pass = true;
/** Set when a target is missed only because the runtime alone misses it too (its floor is over it). */
let belowTheFloor = false;
try {
  if (PHASES.includes('plateau')) pass = (await plateau()) && pass;
  if (PHASES.includes('scale')) pass = (await scale()) && pass;
} finally {
  rmSync(work, { recursive: true, force: true });
}
console.log(pass ? `soak: PASS${belowTheFloor ? ', but for a target below its floor (the runtime alone misses it)' : ''}` : 'soak: FAIL');
process.exitCode = pass ? 0 : 1;
