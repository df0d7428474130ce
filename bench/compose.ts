/**
 * `compose up -d` and `down` of a 10-service project against the same 10 containers started with
 * 10 `docker run -d` (on a network made for them, as compose makes one) and removed with
 * `docker rm -f`, in the same run, against one berthd: medians of BENCH_RUNS rounds and the
 * ratio (target: `up -d` within 1.3× of the plain runs).
 * Run as root after `npm run up`: `npm run bench:compose`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BERTH, NODE, busyboxRootfs, startDaemon } from '../test/helpers/daemon.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const SERVICES = 10;
const COMMAND = ['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 1; done'];
const work = mkdtempSync(join(tmpdir(), 'berth-bench-compose-'));
const ms = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const project = join(work, 'bench');
mkdirSync(project);
const services = Array.from({ length: SERVICES }, (_, i) => `  s${i}:\n    image: busybox\n    command: ${JSON.stringify(COMMAND)}\n`).join('');
writeFileSync(join(project, 'compose.yaml'), `services:\n${services}`);

const d = await startDaemon();
const env = { ...process.env, DOCKER_HOST: d.host, DOCKER_CONFIG: join(work, 'docker-config') };
const must = (cmd: string, args: string[]): void => {
  const r = spawnSync(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr?.toString()}`);
};
const compose = (args: string[]): void => must(NODE, [BERTH, '-H', d.host, 'compose', '-f', join(project, 'compose.yaml'), ...args]);
const plainUp = (): void => {
  must('docker', ['network', 'create', 'plain_default']);
  for (let i = 0; i < SERVICES; i++) must('docker', ['run', '-d', '--name', `plain-s${i}-1`, '--network', 'plain_default', 'busybox', ...COMMAND]);
};
const plainDown = (): void => {
  must('docker', ['rm', '-f', ...Array.from({ length: SERVICES }, (_, i) => `plain-s${i}-1`)]);
  must('docker', ['network', 'rm', 'plain_default']);
};
const timed = (fn: () => void): number => {
  const t0 = process.hrtime.bigint();
  fn();
  return ms(t0);
};

try {
  execFileSync('docker', ['import', '-c', 'CMD ["sh"]', '-', 'busybox:latest'], { env, input: busyboxRootfs(), stdio: ['pipe', 'ignore', 'inherit'] });
  // Warm both paths once (page cache, the daemon's and the CLI's compile caches).
  compose(['up', '-d']);
  compose(['down']);
  plainUp();
  plainDown();
  const composeUp: number[] = [];
  const composeDown: number[] = [];
  const runs: number[] = [];
  const removes: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    composeUp.push(timed(() => compose(['up', '-d'])));
    composeDown.push(timed(() => compose(['down'])));
    runs.push(timed(plainUp));
    removes.push(timed(plainDown));
  }
  const row = (name: string, value: string): string => `${name.padEnd(44)} ${value}`;
  console.log(`compose, ${SERVICES} services, ${RUNS} rounds (medians)`);
  console.log(row('network create + 10 docker run -d', `${median(runs).toFixed(0)} ms`));
  console.log(row('berth compose up -d', `${median(composeUp).toFixed(0)} ms   ratio ${(median(composeUp) / median(runs)).toFixed(2)}x   (target ≤ 1.3x)`));
  console.log(row('docker rm -f (10) + network rm', `${median(removes).toFixed(0)} ms`));
  console.log(row('berth compose down', `${median(composeDown).toFixed(0)} ms   ratio ${(median(composeDown) / median(removes)).toFixed(2)}x   (down stops each container gracefully first)`));
} finally {
  await d.cleanup();
  rmSync(work, { recursive: true, force: true });
}
