/**
 * The image work of compose commands, on the CLI's side (build contexts, registry credentials):
 * building a service's image through POST /build, pulling and pushing through the daemon.
 */
import { join, isAbsolute } from 'node:path';
import { readJsonMessages } from '../../client/index.js';
import type { CliContext } from '../context.js';
import { parseBytes } from '../format/units.js';
import { apiTag, familiarName, parseImageRef } from '../reference.js';
import { contextFromDir } from './build-context.js';
import { authHeaderFor } from './distribution.js';
import type { Progress, Service } from '../../compose/index.js';

export interface BuildFlags {
  noCache?: boolean;
  pull?: boolean;
  quiet?: boolean;
  buildArg?: string[];
}

const registryHost = (name: string): string => name.slice(0, name.indexOf('/'));

/** Reads a daemon JSON message stream to its end; an in-band error is thrown. */
async function drain(res: NodeJS.ReadableStream, onStream?: (text: string) => void): Promise<void> {
  for await (const m of readJsonMessages(res as never)) {
    if (m.error || m.errorDetail) throw new Error(m.errorDetail?.message ?? m.error ?? 'unknown error');
    if (m.stream !== undefined) onStream?.(m.stream);
  }
}

export async function buildServiceImage(ctx: CliContext, progress: Progress, service: string, svc: Service, image: string, o: BuildFlags): Promise<void> {
  const b = svc.build!;
  const dockerfile = b.dockerfile_inline !== undefined ? '' : isAbsolute(b.dockerfile ?? 'Dockerfile') ? b.dockerfile! : join(b.context, b.dockerfile ?? 'Dockerfile');
  const context = await contextFromDir(b.context, dockerfile, b.dockerfile_inline !== undefined ? Buffer.from(b.dockerfile_inline) : undefined);
  const args: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(b.args ?? {})) args[k] = v ?? process.env[k] ?? null;
  for (const kv of o.buildArg ?? []) {
    const eq = kv.indexOf('=');
    if (eq < 0) args[kv] = process.env[kv] ?? null;
    else args[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  const extraHosts = Array.isArray(b.extra_hosts) ? b.extra_hosts : Object.entries(b.extra_hosts ?? {}).map(([h, ip]) => `${h}:${ip}`);
  progress.event('Service', service, 'Building');
  const res = await ctx.client.call('POST', '/build', {
    query: {
      t: [image, ...(b.tags ?? [])],
      dockerfile: context.dockerfile,
      buildargs: Object.keys(args).length ? JSON.stringify(args) : undefined,
      labels: b.labels ? JSON.stringify(b.labels) : undefined,
      target: b.target,
      networkmode: b.network,
      nocache: o.noCache || b.no_cache || undefined,
      pull: o.pull || b.pull || undefined,
      extrahosts: extraHosts.length ? extraHosts : undefined,
      shmsize: b.shm_size !== undefined ? (typeof b.shm_size === 'number' ? b.shm_size : parseBytes(b.shm_size)) : undefined,
      cachefrom: b.cache_from?.length ? JSON.stringify(b.cache_from) : undefined,
      rm: true,
      q: o.quiet,
      version: '1',
    },
    body: context.body,
    headers: { 'Content-Type': 'application/x-tar', 'X-Registry-Config': Buffer.from('{}').toString('base64url') },
  });
  try {
    await drain(res, o.quiet ? undefined : (text) => ctx.err.write(text));
  } catch (err) {
    progress.event('Service', service, 'Error');
    throw new Error(`failed to solve: ${(err as Error).message}`, { cause: err });
  }
  progress.event('Service', service, 'Built');
}

export async function pullImage(ctx: CliContext, image: string): Promise<void> {
  const ref = parseImageRef(image);
  const res = await ctx.client.call('POST', '/images/create', {
    query: { fromImage: ref.name, tag: apiTag(ref) || 'latest' },
    headers: { 'X-Registry-Auth': await authHeaderFor(registryHost(ref.name)) },
  });
  await drain(res);
}

export async function pushImage(ctx: CliContext, image: string): Promise<void> {
  const ref = parseImageRef(image);
  const res = await ctx.client.call('POST', `/images/${familiarName(ref)}/push`, {
    query: { tag: ref.tag ?? 'latest' },
    headers: { 'X-Registry-Auth': await authHeaderFor(registryHost(ref.name)) },
  });
  await drain(res);
}
