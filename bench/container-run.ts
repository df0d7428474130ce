/**
 * Container start-up against its floor, in one run: `runc run` of a prepared busybox bundle
 * versus `docker run --rm busybox true` against berthd (20 runs each, medians and ratio); 20
 * sequential `run -d`; 10 concurrent `run --rm`; berthd's RSS after those runs and with 50 running
 * containers, and the memory each container's conmon costs.
 * Run as root after `npm run up`: `npm run bench:containers`.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busyboxRootfs, startDaemon } from '../test/helpers/daemon.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const work = mkdtempSync(join(tmpdir(), 'berth-bench-run-'));
const ms = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const must = (cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): void => {
  const r = spawnSync(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr?.toString()}`);
};
const rssKb = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);

// The floor: a bundle runc can run as is, on the same busybox files.
const bundle = join(work, 'bundle');
mkdirSync(join(bundle, 'rootfs'), { recursive: true });
execFileSync('tar', ['-C', join(bundle, 'rootfs'), '-xf', '-'], { input: busyboxRootfs() });
execFileSync('runc', ['spec'], { cwd: bundle });
const spec = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8')) as { process: { args: string[]; terminal: boolean } };
spec.process.args = ['true'];
spec.process.terminal = false;
writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec));
const runcRoot = join(work, 'runc');
const floor: number[] = [];
const ours: number[] = [];
const none: number[] = [];
const cli: number[] = [];

const d = await startDaemon();
const env = { ...process.env, DOCKER_HOST: d.host, DOCKER_CONFIG: join(work, 'docker-config') };
try {
  execFileSync('docker', ['import', '-c', 'CMD ["sh"]', '-', 'busybox:latest'], { env, input: busyboxRootfs(), stdio: ['pipe', 'ignore', 'inherit'] });
  // Warm both paths once (page cache, the daemon's lazily loaded code).
  must('runc', ['--root', runcRoot, 'run', '--bundle', bundle, 'warm']);
  must('docker', ['run', '--rm', 'busybox', 'true'], env);
  for (let i = 0; i < RUNS; i++) {
    let t0 = process.hrtime.bigint();
    must('runc', ['--root', runcRoot, 'run', '--bundle', bundle, `b${i}`]);
    floor.push(ms(t0));
    t0 = process.hrtime.bigint();
    must('docker', ['run', '--rm', 'busybox', 'true'], env);
    ours.push(ms(t0));
    t0 = process.hrtime.bigint();
    must('docker', ['run', '--rm', '--network', 'none', 'busybox', 'true'], env);
    none.push(ms(t0));
    // The CLI's own share: its start-up, the version negotiation and one answered request.
    t0 = process.hrtime.bigint();
    must('docker', ['version'], env);
    cli.push(ms(t0));
  }
  const idle = rssKb(d.proc.pid!);
  const anonKb = (): number => Number(/RssAnon:\s+(\d+)/.exec(readFileSync(`/proc/${d.proc.pid!}/status`, 'utf8'))?.[1] ?? 0);
  const idleAnon = anonKb();

  let t0 = process.hrtime.bigint();
  for (let i = 0; i < 20; i++) must('docker', ['run', '-d', '--name', `seq${i}`, 'busybox', 'sleep', '1000'], env);
  const sequential = ms(t0);

  // A second floor: runc running berth's own spec (Docker's seccomp profile, masked paths, rlimits…).
  const id = execFileSync('docker', ['inspect', '-f', '{{.Id}}', 'seq0'], { env }).toString().trim();
  const ourSpec = JSON.parse(readFileSync(join(d.dir, 'exec', 'containers', id, 'config.json'), 'utf8')) as { process: { args: string[] }; root: { path: string }; linux: { cgroupsPath?: string } };
  ourSpec.process.args = ['true'];
  ourSpec.root.path = join(bundle, 'rootfs');
  const ourBundle = join(work, 'bundle-berth-spec');
  const specFloor: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    ourSpec.linux.cgroupsPath = `/berth-bench/s${i}`;
    mkdirSync(ourBundle, { recursive: true });
    writeFileSync(join(ourBundle, 'config.json'), JSON.stringify(ourSpec));
    const t1 = process.hrtime.bigint();
    must('runc', ['--root', runcRoot, 'run', '--bundle', ourBundle, `s${i}`]);
    specFloor.push(ms(t1));
  }

  const all = (cmd: string, argsOf: (i: number) => string[], e: NodeJS.ProcessEnv): Promise<unknown> =>
    Promise.all(
      Array.from({ length: 10 }, (_, i) => new Promise<void>((resolve, reject) => {
        const p = spawn(cmd, argsOf(i), { env: e, stdio: 'ignore' });
        p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`concurrent ${cmd} exited ${code}`))));
      })),
    );
  t0 = process.hrtime.bigint();
  await all('docker', () => ['run', '--rm', 'busybox', 'true'], env);
  const concurrent = ms(t0);
  // Its floor: ten `runc run` of the prepared bundle at once (the machine's two cores shared the same way).
  t0 = process.hrtime.bigint();
  await all('runc', (i) => ['--root', runcRoot, 'run', '--bundle', bundle, `c${i}`], process.env);
  const concurrentFloor = ms(t0);

  for (let i = 20; i < 50; i++) must('docker', ['run', '-d', '--name', `seq${i}`, 'busybox', 'sleep', '1000'], env);
  const busy = rssKb(d.proc.pid!);
  const anon = anonKb();
  const conmons = readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8').startsWith('/usr/bin/conmon') && readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(d.dir);
      } catch {
        return false;
      }
    })
    .map((p) => rssKb(Number(p)));
  const perConmon = conmons.reduce((a, b) => a + b, 0) / Math.max(conmons.length, 1);
  must('docker', ['rm', '-f', ...Array.from({ length: 50 }, (_, i) => `seq${i}`)], env);

  const row = (name: string, value: string): string => `${name.padEnd(40)} ${value}`;
  console.log(`container start-up, ${RUNS} runs each`);
  console.log(row('runc run (floor), median', `${median(floor).toFixed(0)} ms`));
  console.log(row("runc run of berth's spec, median", `${median(specFloor).toFixed(0)} ms   (Docker's seccomp profile and defaults)`));
  console.log(row('the docker CLI alone (docker version), median', `${median(cli).toFixed(0)} ms   (a run through the CLI cannot beat runc run + this: ${(median(floor) + median(cli)).toFixed(0)} ms)`));
  const f = median(floor);
  // What a run through the CLI cannot go under: the runtime's own run plus the CLI's own share.
  const through = f + median(cli);
  /** An absolute target against what the same work costs without berth, measured above. */
  const verdict = (ms: number, target: number, floorMs: number): string =>
    ms <= target ? 'met' : floorMs > target ? `below the floor: ${floorMs.toFixed(0)} ms without berth` : 'NOT MET';
  console.log(row('docker run --rm busybox true, median', `${median(ours).toFixed(0)} ms   ratio ${(median(ours) / f).toFixed(2)}x   (target <= 80 ms: ${verdict(median(ours), 80, through)}; <= 3.5x the floor)`));
  console.log(row('  the same with --network none, median', `${median(none).toFixed(0)} ms   ratio ${(median(none) / f).toFixed(2)}x   (target <= 65 ms: ${verdict(median(none), 65, through)}; 2.8x a 23 ms floor)`));
  console.log(row('20 sequential run -d', `${sequential.toFixed(0)} ms   ratio ${(sequential / (20 * f)).toFixed(2)}x of 20 floors   (target <= 1200 ms: ${verdict(sequential, 1200, 20 * through)}; 2.6x of 20 floors of 23 ms)`));
  console.log(row('10 concurrent run --rm', `${concurrent.toFixed(0)} ms   ratio ${(concurrent / concurrentFloor).toFixed(2)}x   (target <= 450 ms: ${verdict(concurrent, 450, concurrentFloor)})`));
  console.log(row('  floor: 10 concurrent runc run', `${concurrentFloor.toFixed(0)} ms`));
  // Not the fresh daemon the 70 MB target is about (bench:startup and bench:soak measure that one).
  console.log(row(`berthd RSS after ${2 * RUNS + 1} runs, idle`, `${(idle / 1024).toFixed(1)} MB   (anonymous ${(idleAnon / 1024).toFixed(1)} MB; fresh idle: npm run bench:startup)`));
  console.log(row('berthd RSS with 50 running containers', `${(busy / 1024).toFixed(1)} MB   (anonymous ${(anon / 1024).toFixed(1)} MB, the rest mapped files: the node binary)`));
  console.log(row('RSS per container (its conmon)', `${(perConmon / 1024).toFixed(2)} MB over ${conmons.length} conmons`));
} finally {
  await d.cleanup();
  spawnSync('runc', ['--root', runcRoot, 'delete', '-f', 'warm']);
  rmSync(work, { recursive: true, force: true });
  // runc removes each floor container's cgroup, not the parent the spec floor put them under.
  for (const h of readdirSync('/sys/fs/cgroup')) {
    try {
      rmdirSync(join('/sys/fs/cgroup', h, 'berth-bench'));
    } catch {
      // not in this hierarchy
    }
  }
}
