/**
 * The floor of the soak's scale check, taken in the same run: what the kernel and the runtime
 * alone need to start and remove N containers like berth's, with no engine and no CLI.
 *
 * Each container gets what a berth container has on the host: an overlay rootfs over the same
 * busybox files, a network namespace pinned by a bind mount (so the mount table grows by two per
 * container, as under berth), its own cgroups, and berth's own runtime spec (Docker's seccomp
 * profile, masked paths…). It is started by `runc run -d`, `concurrency` at a time; removal is
 * `runc delete --force` and the two unmounts, 50 at a time as `docker rm` sends them.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mountAsync, umount2Async, MNT_DETACH } from '../src/base/libc.js';
import { NetnsDir } from '../src/network/netns.js';

interface Spec {
  process: { args: string[]; terminal: boolean };
  root: { path: string; readonly?: boolean };
  linux: { cgroupsPath?: string; namespaces: { type: string; path?: string }[] };
  hooks?: unknown;
}

const run = (args: string[]): Promise<void> =>
  new Promise((resolve, reject) => {
    const p = spawn('runc', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`runc ${args.join(' ')}: ${err}`))));
  });

/** `fn(0)` … `fn(n - 1)`, `concurrency` at a time. */
export async function inParallel(n: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) await fn(next++);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

export interface FloorTimes {
  startS: number;
  removeS: number;
}

/** `spec` is a berth container's config.json; `rootfs` a directory of the same image's files. */
export async function scaleFloor(work: string, rootfs: string, spec: Spec, n: number, concurrency: number): Promise<FloorTimes> {
  const runcRoot = join(work, 'runc');
  const netns = new NetnsDir(join(work, 'netns'));
  const dir = (i: number): string => join(work, `c${i}`);
  // Twelve characters: NetnsDir names a namespace by the first twelve of an id.
  const name = (i: number): string => `f${String(i).padStart(11, '0')}`;

  const start = async (i: number): Promise<void> => {
    const d = dir(i);
    for (const sub of ['upper', 'work', 'merged']) mkdirSync(join(d, sub), { recursive: true });
    await mountAsync('overlay', join(d, 'merged'), 'overlay', 0, `lowerdir=${rootfs},upperdir=${join(d, 'upper')},workdir=${join(d, 'work')}`);
    const ns = await netns.create(name(i));
    const s: Spec = {
      ...spec,
      process: { ...spec.process, args: ['sleep', '3600'], terminal: false },
      root: { ...spec.root, path: join(d, 'merged') },
      linux: { ...spec.linux, cgroupsPath: `/berth-floor/${name(i)}`, namespaces: spec.linux.namespaces.map((x) => (x.type === 'network' ? { type: 'network', path: ns } : x)) },
    };
    delete s.hooks;
    writeFileSync(join(d, 'config.json'), JSON.stringify(s));
    await run(['--root', runcRoot, 'run', '-d', '--bundle', d, name(i)]);
  };
  const remove = async (i: number): Promise<void> => {
    await run(['--root', runcRoot, 'delete', '--force', name(i)]);
    await umount2Async(join(dir(i), 'merged'), MNT_DETACH);
    await netns.remove(name(i));
  };

  try {
    let t0 = process.hrtime.bigint();
    await inParallel(n, concurrency, start);
    const startS = Number(process.hrtime.bigint() - t0) / 1e9;
    t0 = process.hrtime.bigint();
    await inParallel(n, 50, remove);
    const removeS = Number(process.hrtime.bigint() - t0) / 1e9;
    return { startS, removeS };
  } finally {
    await cleanup(work, n, async (i) => {
      await Promise.allSettled([run(['--root', runcRoot, 'delete', '--force', name(i)]), umount2Async(join(dir(i), 'merged'), MNT_DETACH), netns.remove(name(i))]);
    }, netns.dir);
  }
}

/** Whatever a failed floor run left: containers, mounts, cgroups. */
async function cleanup(work: string, n: number, remove: (i: number) => Promise<void>, netnsDir: string): Promise<void> {
  await inParallel(n, 50, remove);
  for (let i = 0; i < n; i++) rmSync(join(work, `c${i}`), { recursive: true, force: true });
  await umount2Async(netnsDir, MNT_DETACH).catch(() => {});
  for (const h of readdirSync('/sys/fs/cgroup')) {
    try {
      rmdirSync(join('/sys/fs/cgroup', h, 'berth-floor'));
    } catch {
      // not in this hierarchy
    }
  }
}
