/**
 * Builds through the docker CLI against berthd, in one run: a cold build (`--no-cache`) and a
 * fully cached one of a Dockerfile with ENV, WORKDIR, a 20 MB COPY and three RUN steps (medians
 * of BENCH_RUNS), and a 200 MB COPY against `cp -r` of the same file into a fresh directory. The
 * COPY's own time is the time between its `Step` line and the image ID line that ends it.
 * Run as root: `npm run bench:build`.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busyboxRootfs, startDaemon } from '../test/helpers/daemon.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const work = mkdtempSync(join(tmpdir(), 'berth-bench-build-'));
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;

/** Runs `docker build`, timing the whole and the span of the step whose line starts `stepPrefix`. */
function timedBuild(env: NodeJS.ProcessEnv, args: string[], stepPrefix?: string): Promise<{ total: number; step: number }> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const p = spawn('docker', ['build', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let buf = '';
    let stepStart: bigint | undefined;
    let step = 0;
    p.stdout.on('data', (c: Buffer) => {
      const now = process.hrtime.bigint();
      buf += c.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (stepPrefix !== undefined && line.includes(stepPrefix)) stepStart = now;
        else if (stepStart !== undefined && step === 0 && /^ ---> [0-9a-f]{12}$/.test(line)) step = Number(now - stepStart) / 1e6;
      }
    });
    let err = '';
    p.stderr.on('data', (c: Buffer) => (err += c.toString()));
    p.on('exit', (code) => (code === 0 ? resolve({ total: ms(t0), step }) : reject(new Error(`docker build exited ${code}: ${err}`))));
  });
}

function timed(fn: () => unknown): number {
  const t0 = process.hrtime.bigint();
  fn();
  return ms(t0);
}

/** sha256 of a file read through one 1 MiB buffer, as the builder reads what it copies. */
async function hashFloor(file: string): Promise<number> {
  const t0 = process.hrtime.bigint();
  const h = createHash('sha256');
  const fh = await open(file, 'r');
  const buf = Buffer.allocUnsafe(1 << 20);
  for (;;) {
    const { bytesRead } = await fh.read(buf, 0, buf.length, null);
    if (bytesRead === 0) break;
    h.update(buf.subarray(0, bytesRead));
  }
  await fh.close();
  h.digest('hex');
  return ms(t0);
}

function cpFloor(file: string): number {
  const dest = join(work, `cp-${randomBytes(4).toString('hex')}`);
  mkdirSync(dest);
  execFileSync('sync');
  const t0 = process.hrtime.bigint();
  execFileSync('cp', ['-r', file, dest]);
  const t = ms(t0);
  rmSync(dest, { recursive: true, force: true });
  return t;
}

/** An Engine API endpoint that answers a build by draining its context: the CLI's own cost. */
function drainServer(socket: string): Promise<{ socket: string; close: () => void }> {
  const server = createServer((req, res) => {
    if (req.url?.endsWith('/_ping')) {
      res.writeHead(200, { 'API-Version': '1.50', 'Content-Type': 'text/plain' });
      res.end('OK');
      return;
    }
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(`${JSON.stringify({ aux: { ID: `sha256:${'0'.repeat(64)}` } })}\n${JSON.stringify({ stream: 'Successfully built 000000000000\n' })}\n`);
    });
  });
  return new Promise((resolve) => server.listen(socket, () => resolve({ socket, close: () => server.close() })));
}

const d = await startDaemon();
const env = { ...process.env, DOCKER_HOST: d.host, DOCKER_CONFIG: join(work, 'docker-config') };
try {
  execFileSync('docker', ['import', '-c', 'CMD ["sh"]', '-', 'busybox:latest'], { env, input: busyboxRootfs(), stdio: ['pipe', 'ignore', 'inherit'] });
  const small = join(work, 'small');
  mkdirSync(small);
  writeFileSync(join(small, 'data.bin'), randomBytes(20 << 20));
  writeFileSync(join(small, 'Dockerfile'), ['FROM busybox', 'ENV APP=bench', 'WORKDIR /app', 'COPY data.bin /app/', 'RUN echo one > /app/one', 'RUN echo two > /app/two', 'RUN cat /app/one /app/two > /app/three'].join('\n') + '\n');
  const big = join(work, 'big');
  mkdirSync(big);
  writeFileSync(join(big, 'big.bin'), randomBytes(200 << 20));
  writeFileSync(join(big, 'Dockerfile'), 'FROM busybox\nCOPY big.bin /big.bin\n');

  // Warm both paths (page cache, the daemon's code) once.
  await timedBuild(env, ['--no-cache', '-q', small]);
  const cold: number[] = [];
  const cached: number[] = [];
  const afterCold: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    cold.push((await timedBuild(env, ['--no-cache', '-t', 'bench:small', small])).total);
    // Right after a cold build the disk is still busy with what it wrote (ext4 mounted with
    // `discard` trims the files it removed): a cached build then, and one in the steady state.
    afterCold.push((await timedBuild(env, ['-t', 'bench:small', small])).total);
    cached.push((await timedBuild(env, ['-t', 'bench:small', small])).total);
  }
  // The floor of a cached build: the CLI sending the same context to a server that only drains it.
  const drain = await drainServer(join(work, 'drain.sock'));
  const upload: number[] = [];
  try {
    const drainEnv = { ...env, DOCKER_HOST: `unix://${drain.socket}` };
    for (let i = 0; i < RUNS; i++) upload.push((await timedBuild(drainEnv, ['-q', small])).total);
  } finally {
    drain.close();
  }
  // Floors in the same run: the CLI's own round trip, a RUN step's container without the builder,
  // and hashing the 200 MB once (a layer's diff ID is the sha256 of its tar: no COPY avoids it).
  const cli: number[] = [];
  const runs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    cli.push(timed(() => execFileSync('docker', ['image', 'inspect', 'busybox'], { env, stdio: 'ignore' })));
    runs.push(timed(() => execFileSync('docker', ['run', '--rm', 'busybox', 'true'], { env, stdio: 'ignore' })));
  }
  const copy: number[] = [];
  const hashes: number[] = [];
  const whole: number[] = [];
  const floor: number[] = [];
  await timedBuild(env, ['--no-cache', '-q', big]);
  for (let i = 0; i < Math.max(3, Math.ceil(RUNS / 2)); i++) {
    floor.push(cpFloor(join(big, 'big.bin')));
    hashes.push(await hashFloor(join(big, 'big.bin')));
    const r = await timedBuild(env, ['--no-cache', '-t', 'bench:big', big], 'COPY big.bin');
    copy.push(r.step);
    whole.push(r.total);
  }
  const row = (name: string, value: string): string => `${name.padEnd(44)} ${value}`;
  console.log(`docker build through berthd, medians of ${RUNS} runs (docker CLI included)`);
  console.log(row('cold: ENV, WORKDIR, 20 MB COPY, 3 RUN', `${median(cold).toFixed(0)} ms   (target <= 1200 ms; Docker 20.10: 2200 ms)`));
  console.log(row('fully cached', `${median(cached).toFixed(0)} ms   (target <= 120 ms; Docker 20.10: 170 ms)`));
  console.log(row('  floor: the CLI uploading the context', `${median(upload).toFixed(0)} ms   (to a server that drains it; berth's steps and context extraction add ${(median(cached) - median(upload)).toFixed(0)} ms)`));
  console.log(row('fully cached, right after a cold build', `${median(afterCold).toFixed(0)} ms`));
  console.log(row('  floor: CLI round trip (image inspect)', `${median(cli).toFixed(0)} ms`));
  console.log(row('  floor: run --rm busybox true (RUN x3)', `${median(runs).toFixed(0)} ms   x3 = ${(3 * median(runs)).toFixed(0)} ms`));
  console.log(row('cp -r of a 200 MB file (floor)', `${median(floor).toFixed(0)} ms`));
  console.log(row('sha256 of the same file (diff ID floor)', `${median(hashes).toFixed(0)} ms`));
  console.log(row('COPY of the same 200 MB file (the step)', `${median(copy).toFixed(0)} ms   ratio ${(median(copy) / median(floor)).toFixed(2)}x of cp -r, ${(median(copy) / Math.max(median(floor), median(hashes))).toFixed(2)}x of max(cp, sha256)   (target <= 1.5x of cp -r)`));
  console.log(row('whole build with the 200 MB COPY', `${median(whole).toFixed(0)} ms   (context upload and checksum included)`));
} finally {
  await d.cleanup();
  spawnSync('rm', ['-rf', work]);
}
