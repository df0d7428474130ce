/**
 * Push then pull of a 200 MB single-layer image of random bytes over loopback, berthd → berth's
 * registry and berthd → docker-registry (distribution 2.8), in one run, timed through the docker
 * CLI as a user would run them. Each round pushes to a registry started empty (nothing to skip),
 * and pulls into an engine that holds no copy of the layer. Targets (issue 12): push ≤ 1.5 s,
 * pull ≤ 1.0 s; Docker 20.10 on this VM: 7.4 s and 2.2 s. Run as root after `npm run up`:
 * `npm run bench:push-pull` (BENCH_RUNS rounds, median; default 3).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDaemon } from '../test/helpers/daemon.js';
import { startDockerRegistry, startRegistryProcess } from '../test/helpers/registry.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SIZE = 200 * 1024 * 1024;
const work = mkdtempSync(join(tmpdir(), 'berth-bench-push-pull-'));
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** A docker-save style archive holding one layer: a tar of one 200 MB random file. */
function makeImage(): string {
  const src = join(work, 'files');
  mkdirSync(src);
  writeFileSync(join(src, 'random.bin'), randomBytes(SIZE));
  const layer = join(work, 'layer.tar');
  execFileSync('tar', ['-C', src, '-cf', layer, 'random.bin']);
  rmSync(src, { recursive: true });
  const hex = (f: string | Buffer): string => execFileSync('sha256sum', typeof f === 'string' ? [f] : [], typeof f === 'string' ? {} : { input: f }).toString().split(' ')[0]!;
  const layerHex = hex(layer);
  const cfg = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['sh'] }, rootfs: { type: 'layers', diff_ids: [`sha256:${layerHex}`] } }));
  const cfgHex = hex(cfg);
  const arch = join(work, 'archive');
  mkdirSync(join(arch, 'blobs/sha256'), { recursive: true });
  execFileSync('cp', [layer, join(work, 'floor-layer')]);
  execFileSync('mv', [layer, join(arch, 'blobs/sha256', layerHex)]);
  writeFileSync(join(arch, 'blobs/sha256', cfgHex), cfg);
  writeFileSync(join(arch, 'manifest.json'), JSON.stringify([{ Config: `blobs/sha256/${cfgHex}`, RepoTags: ['bench/random:200m'], Layers: [`blobs/sha256/${layerHex}`] }]));
  const image = join(work, 'image.tar');
  execFileSync('tar', ['-C', arch, '-cf', image, 'manifest.json', 'blobs']);
  rmSync(arch, { recursive: true });
  return image;
}

const curl = (args: string[]): string => execFileSync('curl', ['-sf', ...args]).toString();

/**
 * An upload without any engine: the layer's 200 MB tar, monolithically by curl, to a registry
 * that does not hold it yet (a registry that has the blob may answer before reading it).
 */
function uploadFloor(url: string): number {
  const file = join(work, 'floor-layer');
  const digest = `sha256:${execFileSync('sha256sum', [file]).toString().split(' ')[0]!}`;
  const t0 = process.hrtime.bigint();
  // POST for a session, PUT of the whole blob: what docker push does (a monolithic POST is
  // optional in the spec, and docker-registry answers it with a session without reading the body).
  const headers = curl(['-D', '-', '-o', '/dev/null', '-X', 'POST', `${url}/v2/bench/floor/blobs/uploads/`]);
  const location = new URL(/^location: *(\S+)/im.exec(headers)![1]!, url);
  location.searchParams.set('digest', digest);
  curl(['-X', 'PUT', '-H', 'Content-Type: application/octet-stream', '-H', 'Expect:', '--upload-file', file, '--request-target', `${location.pathname}${location.search}`, `${url}/`]);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** A download without any engine: the pushed layer blob by curl to a file, then one sha256 of it. */
function downloadFloor(url: string): number {
  const manifest = JSON.parse(curl(['-H', 'Accept: application/vnd.docker.distribution.manifest.v2+json', '-H', 'Accept: application/vnd.oci.image.manifest.v1+json', `${url}/v2/bench/random/manifests/200m`])) as { layers: { digest: string }[] };
  const file = join(work, 'floor-blob');
  const t0 = process.hrtime.bigint();
  curl(['-o', file, `${url}/v2/bench/random/blobs/${manifest.layers[0]!.digest}`]);
  execFileSync('sha256sum', [file]);
  const t = Number(process.hrtime.bigint() - t0) / 1e6;
  rmSync(file);
  return t;
}

async function main(): Promise<void> {
  const image = makeImage();
  const d = await startDaemon();
  const docker = (args: string[]): number => {
    const t0 = process.hrtime.bigint();
    const r = spawnSync('docker', args, { env: { ...process.env, DOCKER_HOST: d.host, DOCKER_CONFIG: join(work, 'docker') }, stdio: ['ignore', 'ignore', 'pipe'] });
    if (r.status !== 0) throw new Error(`docker ${args.join(' ')}: ${r.stderr.toString()}`);
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  const clean = (): void => {
    const ids = spawnSync('docker', ['images', '-q'], { env: { ...process.env, DOCKER_HOST: d.host } }).stdout.toString().split('\n').filter(Boolean);
    if (ids.length) docker(['rmi', '-f', ...new Set(ids)]);
  };
  const times: Record<string, { push: number[]; pull: number[]; up: number[]; down: number[] }> = {
    "berth's registry": { push: [], pull: [], up: [], down: [] },
    'docker-registry': { push: [], pull: [], up: [], down: [] },
  };
  try {
    for (let i = 0; i < RUNS; i++) {
      for (const name of Object.keys(times)) {
        const reg = name === 'docker-registry' ? await startDockerRegistry() : await startRegistryProcess();
        try {
          clean();
          times[name]!.up.push(uploadFloor(reg.url));
          docker(['load', '-q', '-i', image]);
          const ref = `${reg.host}/bench/random:200m`;
          docker(['tag', 'bench/random:200m', ref]);
          times[name]!.push.push(docker(['push', ref]));
          times[name]!.down.push(downloadFloor(reg.url));
          clean();
          times[name]!.pull.push(docker(['pull', ref]));
          clean();
        } finally {
          await ('stop' in reg ? reg.stop() : Promise.resolve());
        }
      }
    }
    console.log(`push then pull of a ${SIZE / 1024 / 1024} MB single-layer random image over loopback, median of ${RUNS} (targets: push ≤ 1500 ms, pull ≤ 1000 ms; Docker 20.10: 7400 / 2200 ms):`);
    for (const [name, t] of Object.entries(times)) {
      console.log(`  ${name.padEnd(18)} push ${median(t.push).toFixed(0).padStart(6)} ms   pull ${median(t.pull).toFixed(0).padStart(6)} ms   (push ${t.push.map((x) => x.toFixed(0)).join('/')}, pull ${t.pull.map((x) => x.toFixed(0)).join('/')})`);
    }
    console.log('floors in the same run (200 MB moved by curl, no engine; a pull must also hash what it downloads):');
    for (const [name, t] of Object.entries(times)) {
      console.log(`  ${name.padEnd(18)} upload ${median(t.up).toFixed(0).padStart(6)} ms   download + sha256 ${median(t.down).toFixed(0).padStart(6)} ms   push/upload ${(median(t.push) / median(t.up)).toFixed(2)}x   pull/download ${(median(t.pull) / median(t.down)).toFixed(2)}x`);
    }
  } finally {
    await d.cleanup();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
