/**
 * `berth build` (and `berth image build`): the docker CLI's legacy build (POST /build) with its
 * flags, context handling and output (the stream printed as it comes, `-q` printing only the ID,
 * `--iidfile`, the failing step's exit code as the exit status).
 */
import type { Command } from 'commander';
import { writeFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { readAll, readJsonMessages } from '../../client/index.js';
import { collect, type CliContext } from '../context.js';
import { humanSizeWithPrecision, parseBytes } from '../format/units.js';
import { contextFromDir, contextFromStdin, type ContextTar } from './build-context.js';

interface BuildOptions {
  tag?: string[];
  file?: string;
  buildArg?: string[];
  label?: string[];
  target?: string;
  cache: boolean;
  pull?: boolean;
  quiet?: boolean;
  rm: boolean;
  forceRm?: boolean;
  network?: string;
  addHost?: string[];
  iidfile?: string;
  platform?: string;
  cacheFrom?: string[];
  shmSize?: string;
  memory?: string;
  memorySwap?: string;
  cpuShares?: string;
  cpusetCpus?: string;
  cpuPeriod?: string;
  cpuQuota?: string;
}

export function registerBuildCommand(program: Command, ctx: CliContext): void {
  const image = program.commands.find((c) => c.name() === 'image');
  for (const cmd of [program.command('build'), ...(image ? [image.command('build')] : [])]) {
    cmd
      .description('Build an image from a Dockerfile')
      .argument('<PATH | URL | ->')
      .option('-t, --tag <name>', 'Name and optionally a tag in the "name:tag" format', collect)
      .option('-f, --file <string>', "Name of the Dockerfile (Default is 'PATH/Dockerfile')")
      .option('--build-arg <list>', 'Set build-time variables', collect)
      .option('--label <list>', 'Set metadata for an image', collect)
      .option('--target <string>', 'Set the target build stage to build.')
      .option('--no-cache', 'Do not use cache when building the image')
      .option('--pull', 'Always attempt to pull a newer version of the image')
      .option('-q, --quiet', 'Suppress the build output and print image ID on success')
      .option('--rm', 'Remove intermediate containers after a successful build', true)
      .option('--no-rm', 'Keep intermediate containers')
      .option('--force-rm', 'Always remove intermediate containers')
      .option('--network <string>', 'Set the networking mode for the RUN instructions during build')
      .option('--add-host <list>', 'Add a custom host-to-IP mapping (host:ip)', collect)
      .option('--iidfile <string>', 'Write the image ID to the file')
      .option('--platform <string>', 'Set platform if server is multi-platform capable')
      .option('--cache-from <strings>', 'Images to consider as cache sources', collect)
      .option('--shm-size <bytes>', 'Size of /dev/shm')
      .option('-m, --memory <bytes>', 'Memory limit')
      .option('--memory-swap <bytes>', "Swap limit equal to memory plus swap: -1 to enable unlimited swap")
      .option('--cpu-shares <int>', 'CPU shares (relative weight)')
      .option('--cpuset-cpus <string>', 'CPUs in which to allow execution (0-3, 0,1)')
      .option('--cpu-period <int>', 'Limit the CPU CFS (Completely Fair Scheduler) period')
      .option('--cpu-quota <int>', 'Limit the CPU CFS (Completely Fair Scheduler) quota')
      .action((path: string, o: BuildOptions) => build(ctx, path, o));
  }
}

async function build(ctx: CliContext, path: string, o: BuildOptions): Promise<void> {
  const remote = /^(https?:\/\/|git:\/\/|git@|github\.com\/)/.test(path) ? path : undefined;
  let context: ContextTar | undefined;
  if (remote === undefined) {
    if (path === '-') {
      if (o.file === '-') throw new Error('invalid argument: can\'t use stdin for both build context and dockerfile');
      context = await contextFromStdin(await readAll(process.stdin), o.file ?? '');
    } else {
      context = await contextFromDir(path, o.file === '-' ? '' : (o.file ?? ''), o.file === '-' ? await readAll(process.stdin) : undefined);
    }
  }
  const query = {
    t: o.tag,
    dockerfile: context?.dockerfile ?? o.file,
    remote,
    q: o.quiet,
    nocache: !o.cache || undefined,
    pull: o.pull,
    rm: o.rm,
    forcerm: o.forceRm,
    target: o.target,
    networkmode: o.network,
    extrahosts: o.addHost,
    platform: o.platform,
    shmsize: o.shmSize !== undefined ? parseBytes(o.shmSize) : undefined,
    memory: o.memory !== undefined ? parseBytes(o.memory) : undefined,
    memswap: o.memorySwap !== undefined ? (o.memorySwap === '-1' ? -1 : parseBytes(o.memorySwap)) : undefined,
    cpushares: o.cpuShares,
    cpusetcpus: o.cpusetCpus,
    cpuperiod: o.cpuPeriod,
    cpuquota: o.cpuQuota,
    buildargs: keyValues(o.buildArg, true),
    labels: keyValues(o.label, false),
    cachefrom: o.cacheFrom ? JSON.stringify(o.cacheFrom) : undefined,
    version: '1',
  };
  let sent = 0;
  context?.body.on('data', (c: Buffer) => (sent += c.length));
  const res = await ctx.client.call('POST', '/build', {
    query,
    ...(context ? { body: context.body } : {}),
    headers: { 'Content-Type': 'application/x-tar', 'X-Registry-Config': Buffer.from('{}').toString('base64url') },
  });
  if (context && !o.quiet) ctx.out.write(`Sending build context to Docker daemon  ${humanSizeWithPrecision(sent, 4)}\n`);
  await render(ctx, res, o);
}

/** `--build-arg K=V` (or `K` taking the value from the environment, null when unset), `--label K=V`. */
function keyValues(list: string[] | undefined, fromEnv: boolean): string | undefined {
  if (!list || list.length === 0) return undefined;
  const out: Record<string, string | null> = {};
  for (const kv of list) {
    const eq = kv.indexOf('=');
    if (eq >= 0) out[kv.slice(0, eq)] = kv.slice(eq + 1);
    else out[kv] = fromEnv ? (process.env[kv] ?? null) : '';
  }
  return JSON.stringify(out);
}

/** Prints the stream; an in-band error is printed and becomes the exit status (its code, else 1). */
async function render(ctx: CliContext, res: Readable, o: BuildOptions): Promise<void> {
  let imageId = '';
  for await (const m of readJsonMessages(res)) {
    if (m.errorDetail || m.error) {
      ctx.err.write(`${m.errorDetail?.message ?? m.error ?? 'unknown error'}\n`);
      ctx.exitCode = (m.errorDetail as { code?: number } | undefined)?.code || 1;
      return;
    }
    const aux = m.aux as { ID?: string } | undefined;
    if (aux?.ID) imageId = aux.ID;
    if (o.quiet) {
      if (m.stream?.startsWith('sha256:')) imageId = m.stream.trim();
      continue;
    }
    if (m.stream !== undefined) ctx.out.write(m.stream);
    else if (m.status !== undefined) ctx.out.write(`${m.id ? `${m.id}: ` : ''}${m.status}${m.progress ? ` ${m.progress}` : ''}\n`);
  }
  if (o.quiet) ctx.print(imageId);
  if (o.iidfile) await writeFile(o.iidfile, imageId);
}
