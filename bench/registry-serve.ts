/**
 * Serving throughput of berth's registry against docker-registry (distribution 2.8, the
 * reference implementation) in one run: both hold the same 200 MB random blob, and 8 concurrent
 * clients (curl, so the clients cost the same for both) pull it; the figure is bytes delivered
 * per second of wall time, median of BENCH_RUNS rounds. Both servers run as their own processes
 * on loopback. Run after `npm run up`: `npm run bench:registry`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BERTH, NODE } from '../test/helpers/daemon.js';
import { startDockerRegistry, type DockerRegistry } from '../test/helpers/registry.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const CLIENTS = 8;
const SIZE = 200 * 1024 * 1024;
const work = mkdtempSync(join(tmpdir(), 'berth-bench-registry-'));
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function startBerthRegistry(): Promise<{ url: string; proc: ChildProcess }> {
  const proc = spawn(NODE, [BERTH, 'registry', 'serve', '--addr', '127.0.0.1:0', '--root', join(work, 'berth-root'), '--log-level', 'error'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve(m[1]!.replace(/\/$/, ''));
    });
    proc.once('exit', (code) => reject(new Error(`berth registry exited ${code}`)));
  });
  return { url, proc };
}

async function upload(base: string, file: string, digest: string): Promise<void> {
  const start = await fetch(`${base}/v2/bench/blob/blobs/uploads/`, { method: 'POST' });
  const location = new URL(start.headers.get('location')!, base);
  location.searchParams.set('digest', digest);
  const put = await fetch(location, { method: 'PUT', body: createReadStream(file) as unknown as ReadableStream, duplex: 'half', headers: { 'Content-Length': String(SIZE) } } as RequestInit);
  if (put.status !== 201) throw new Error(`upload to ${base}: ${put.status} ${await put.text()}`);
}

/** Wall time (ms) for CLIENTS concurrent curl downloads of the blob. */
async function pullAll(base: string, digest: string): Promise<number> {
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CLIENTS }, () =>
      new Promise<void>((resolve, reject) => {
        const c = spawn('curl', ['-sf', '-o', '/dev/null', `${base}/v2/bench/blob/blobs/${digest}`], { stdio: 'inherit' });
        c.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`curl exited ${code}`))));
      }),
    ),
  );
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

async function main(): Promise<void> {
  const data = randomBytes(SIZE);
  const file = join(work, 'blob');
  writeFileSync(file, data);
  const digest = `sha256:${createHash('sha256').update(data).digest('hex')}`;
  const berth = await startBerthRegistry();
  let docker: DockerRegistry | undefined;
  try {
    docker = await startDockerRegistry();
    await upload(berth.url, file, digest);
    await upload(docker.url, file, digest);
    const times: Record<string, number[]> = { berth: [], 'docker-registry': [] };
    for (let i = 0; i < RUNS; i++) {
      times.berth!.push(await pullAll(berth.url, digest));
      times['docker-registry']!.push(await pullAll(docker.url, digest));
    }
    const rate = (ms: number): number => (SIZE * CLIENTS) / (ms / 1000) / 1e6;
    console.log(`${CLIENTS} clients pulling the same ${SIZE / 1024 / 1024} MB blob, median of ${RUNS}:`);
    for (const [name, xs] of Object.entries(times)) console.log(`  ${name.padEnd(16)} ${median(xs).toFixed(0).padStart(6)} ms  ${rate(median(xs)).toFixed(0).padStart(6)} MB/s`);
    console.log(`  berth / docker-registry throughput: ${(median(times['docker-registry']!) / median(times.berth!)).toFixed(2)}x`);
  } finally {
    berth.proc.kill('SIGTERM');
    await docker?.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
