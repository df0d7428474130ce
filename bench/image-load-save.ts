/**
 * Times `berth load` and `berth save` of a 200 MB single-layer image against the floor: GNU
 * `tar -x` and `tar -c` of the same files, in one run, and prints medians and ratios.
 *
 * It also times a second floor, the cost of any client/daemon split: the same tar streamed
 * through a unix socket by socat (file → socket → `tar -x`, and `tar -c` → socket → file). An
 * engine whose CLI talks to a daemon cannot beat that, so berth's ratio to it says how much of the
 * gap is berth's own. Run as root after `npm run up`: `npm run bench:images`.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { BERTH, NODE, startDaemon } from '../test/helpers/daemon.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const work = mkdtempSync(join(tmpdir(), 'berth-bench-'));

function time(fn: () => void): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const sh = (cmd: string, args: string[]): void => {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed`);
};

// The files: 20 × 8 MB plus 4,000 × 10 KB (about 200 MB), incompressible.
const src = join(work, 'files');
mkdirSync(join(src, 'big'), { recursive: true });
for (let i = 0; i < 20; i++) writeFileSync(join(src, 'big', `f${i}`), randomBytes(8 << 20));
for (let d = 0; d < 40; d++) {
  mkdirSync(join(src, 'small', `d${d}`), { recursive: true });
  for (let i = 0; i < 100; i++) writeFileSync(join(src, 'small', `d${d}`, `f${i}`), randomBytes(10 << 10));
}
const layer = join(work, 'layer.tar');
execFileSync('tar', ['--sort=name', '-C', src, '-cf', layer, '.']);
const layerHex = execFileSync('sha256sum', [layer]).toString().split(' ')[0]!;
const cfg = JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [`sha256:${layerHex}`] } });
const cfgHex = execFileSync('sha256sum', { input: cfg }).toString().split(' ')[0]!;
const arch = join(work, 'archive');
mkdirSync(join(arch, 'blobs/sha256'), { recursive: true });
execFileSync('cp', [layer, join(arch, 'blobs/sha256', layerHex)]);
writeFileSync(join(arch, 'blobs/sha256', cfgHex), cfg);
writeFileSync(join(arch, 'manifest.json'), JSON.stringify([{ Config: `blobs/sha256/${cfgHex}`, RepoTags: ['bench:200m'], Layers: [`blobs/sha256/${layerHex}`] }]));
const image = join(work, 'image.tar');
execFileSync('tar', ['-C', arch, '-cf', image, 'manifest.json', 'blobs']);

const d = await startDaemon();
const berth = (args: string[]): void => sh(NODE, [BERTH, '-H', d.host, ...args]);
const floorX: number[] = [];
const floorC: number[] = [];
const splitX: number[] = [];
const splitC: number[] = [];
const sock = join(work, 'relay.sock');
// One socat listens and hands the stream to its sink; the other streams the source into it.
const relay = (sink: string, source: string): Promise<number> => {
  rmSync(sock, { force: true });
  const listener = spawn('socat', ['-u', '-b', '1048576', `UNIX-LISTEN:${sock}`, sink], { stdio: ['ignore', 'ignore', 'inherit'] });
  while (!existsSync(sock)) sh('sleep', ['0.01']);
  settle();
  const t0 = process.hrtime.bigint();
  sh('sh', ['-c', `${source} | socat -u -b 1048576 - UNIX-CONNECT:${sock}`]);
  return new Promise<number>((resolve, reject) =>
    listener.on('exit', (code) => (code === 0 ? resolve(Number(process.hrtime.bigint() - t0) / 1e6) : reject(new Error(`socat exited ${code}`)))),
  );
};
const loads: number[] = [];
const saves: number[] = [];
// Each timed step starts on a settled disk (sync, then a pause for writeback and discards of the
// previous step), and the floor and berth take turns going first, so neither inherits the other's
// background I/O systematically.
const settle = (): void => {
  sh('sync', []);
  sh('sleep', ['0.5']);
};
try {
  for (let r = 0; r < RUNS; r++) {
    const out = join(work, `x${r}`);
    const floor = async (): Promise<void> => {
      mkdirSync(out);
      settle();
      floorX.push(time(() => sh('tar', ['-C', out, '-xf', layer])));
      settle();
      floorC.push(time(() => sh('tar', ['-C', out, '-cf', join(work, 'floor-out.tar'), '.'])));
      rmSync(out, { recursive: true, force: true });
      mkdirSync(out);
      splitX.push(await relay(`EXEC:tar -C ${out} -xf -`, `cat ${layer}`));
      splitC.push(await relay(`CREATE:${join(work, 'split-out.tar')}`, `tar -C ${out} -cf - .`));
      rmSync(out, { recursive: true, force: true });
    };
    const ours = (): void => {
      settle();
      loads.push(time(() => berth(['load', '-q', '-i', image])));
      settle();
      saves.push(time(() => berth(['save', '-o', join(work, 'saved.tar'), 'bench:200m'])));
      berth(['rmi', 'bench:200m']);
    };
    if (r % 2 === 0) {
      await floor();
      ours();
    } else {
      ours();
      await floor();
    }
  }
} finally {
  await d.cleanup();
  rmSync(work, { recursive: true, force: true });
}
const row = (name: string, xs: number[], floor: number[]): string =>
  `${name.padEnd(26)} median ${median(xs).toFixed(0).padStart(6)} ms   floor ${median(floor).toFixed(0).padStart(6)} ms   ratio ${(median(xs) / median(floor)).toFixed(2)}x`;
console.log(`image: 1 layer, about 200 MB (20 x 8 MB + 4000 x 10 KB), ${RUNS} runs`);
console.log(row('berth load vs tar -x', loads, floorX));
console.log(row('berth save vs tar -c', saves, floorC));
console.log(row('socket+tar -x vs tar -x', splitX, floorX));
console.log(row('socket+tar -c vs tar -c', splitC, floorC));
console.log(row('berth load vs socket+x', loads, splitX));
console.log(row('berth save vs socket+c', saves, splitC));
