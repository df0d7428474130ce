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
  execFileSync('mv', [layer, join(arch, 'blobs/sha256', layerHex)]);
  writeFileSync(join(arch, 'blobs/sha256', cfgHex), cfg);
  writeFileSync(join(arch, 'manifest.json'), JSON.stringify([{ Config: `blobs/sha256/${cfgHex}`, RepoTags: ['bench/random:200m'], Layers: [`blobs/sha256/${layerHex}`] }]));
  const image = join(work, 'image.tar');
  execFileSync('tar', ['-C', arch, '-cf', image, 'manifest.json', 'blobs']);
  rmSync(arch, { recursive: true });
  return image;
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
  const times: Record<string, { push: number[]; pull: number[] }> = { "berth's registry": { push: [], pull: [] }, 'docker-registry': { push: [], pull: [] } };
  try {
    for (let i = 0; i < RUNS; i++) {
      for (const name of Object.keys(times)) {
        const reg = name === 'docker-registry' ? await startDockerRegistry() : await startRegistryProcess();
        try {
          clean();
          docker(['load', '-q', '-i', image]);
          const ref = `${reg.host}/bench/random:200m`;
          docker(['tag', 'bench/random:200m', ref]);
          times[name]!.push.push(docker(['push', ref]));
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
  } finally {
    await d.cleanup();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
