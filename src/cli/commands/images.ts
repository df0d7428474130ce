import type { Command } from 'commander';
import { closeSync, createReadStream, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { ApiError, readAll } from '../../client/index.js';
import { collect, filtersJson, type CliContext } from '../context.js';
import { formatOutput } from '../format/table.js';
import { createdAgo, humanSize, humanSizeWithPrecision } from '../format/units.js';
import { displayJsonMessages } from '../progress.js';
import { confirm, inspectOutput, goTime, formatRow, splitRepoTag, truncateId } from './shared.js';

export interface WireImage {
  Id: string;
  RepoTags: string[] | null;
  RepoDigests: string[] | null;
  Created: number;
  Size: number;
  SharedSize: number;
  Containers: number;
  Labels: Record<string, string> | null;
}

export const IMAGE_HEADERS = {
  Repository: 'REPOSITORY',
  Tag: 'TAG',
  ID: 'IMAGE ID',
  Digest: 'DIGEST',
  CreatedSince: 'CREATED',
  CreatedAt: 'CREATED AT',
  Size: 'SIZE',
  Containers: 'CONTAINERS',
  SharedSize: 'SHARED SIZE',
  UniqueSize: 'UNIQUE SIZE',
  VirtualSize: 'VIRTUAL SIZE',
};

/** One row per repository:tag, as `docker images` prints them. */
function imageRows(images: WireImage[], noTrunc: boolean): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  for (const img of images) {
    const base = {
      ID: noTrunc ? img.Id : truncateId(img.Id),
      CreatedSince: createdAgo(img.Created),
      Size: humanSize(img.Size),
      VirtualSize: humanSizeWithPrecision(img.Size, 4),
      SharedSize: img.SharedSize < 0 ? 'N/A' : humanSize(img.SharedSize),
      UniqueSize: img.SharedSize < 0 ? 'N/A' : humanSize(img.Size - img.SharedSize),
      Containers: img.Containers < 0 ? 'N/A' : String(img.Containers),
    };
    const push = (row: Record<string, unknown>): void => {
      rows.push(formatRow({ ...row, CreatedAt: () => goTime(img.Created) }));
    };
    const tags = (img.RepoTags ?? []).filter((t) => t !== '<none>:<none>');
    const digests = (img.RepoDigests ?? []).filter((d) => d !== '<none>@<none>');
    const digestOf = (repo: string): string => digests.find((d) => d.startsWith(repo + '@'))?.split('@')[1] ?? '<none>';
    if (tags.length === 0) {
      if (digests.length === 0) push({ ...base, Repository: '<none>', Tag: '<none>', Digest: '<none>' });
      for (const d of digests) {
        const [repo, digest] = d.split('@') as [string, string];
        push({ ...base, Repository: repo, Tag: '<none>', Digest: digest });
      }
      continue;
    }
    for (const t of tags) {
      const [repo, tag] = splitRepoTag(t);
      push({ ...base, Repository: repo, Tag: tag, Digest: digestOf(repo) });
    }
  }
  return rows;
}

async function listImages(ctx: CliContext, repo: string | undefined, o: { all?: boolean; quiet?: boolean; digests?: boolean; noTrunc?: boolean; filter?: string[]; format?: string }): Promise<void> {
  const filters = [...(o.filter ?? []), ...(repo ? [`reference=${repo}`] : [])];
  const images = await ctx.client.json<WireImage[]>('GET', '/images/json', { query: { all: o.all, filters: filtersJson(filters), digests: o.digests } });
  if (o.quiet) {
    // One line per row, as docker does: an image with two tags is printed twice.
    for (const row of imageRows(images, Boolean(o.noTrunc))) ctx.print(String(row.ID));
    return;
  }
  const def = o.digests
    ? 'table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}'
    : 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}';
  ctx.out.write(formatOutput(o.format, def, imageRows(images, Boolean(o.noTrunc)), IMAGE_HEADERS));
}

async function history(ctx: CliContext, name: string, o: { human: boolean; noTrunc?: boolean; quiet?: boolean; format?: string }): Promise<void> {
  const items = await ctx.client.json<{ Id: string; Created: number; CreatedBy: string; Tags: string[] | null; Size: number; Comment: string }[]>('GET', `/images/${name}/history`);
  if (o.quiet) {
    for (const h of items) ctx.print(o.noTrunc ? h.Id : truncateId(h.Id));
    return;
  }
  const rows = items.map((h) => {
    const createdBy = h.CreatedBy.replace(/\t/g, ' ');
    return {
      ID: h.Id === '<missing>' ? '<missing>' : o.noTrunc ? h.Id : truncateId(h.Id),
      CreatedSince: o.human ? createdAgo(h.Created) : new Date(h.Created * 1000).toISOString().replace(/\.\d+Z$/, 'Z'),
      CreatedAt: new Date(h.Created * 1000).toISOString().replace(/\.\d+Z$/, 'Z'),
      CreatedBy: o.noTrunc || createdBy.length <= 45 ? createdBy : createdBy.slice(0, 44) + '…',
      Size: o.human ? humanSize(h.Size) : String(h.Size),
      Comment: h.Comment,
    };
  });
  ctx.out.write(
    formatOutput(o.format, 'table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}', rows, {
      ID: 'IMAGE',
      CreatedSince: 'CREATED',
      CreatedAt: 'CREATED AT',
      CreatedBy: 'CREATED BY',
      Size: 'SIZE',
      Comment: 'COMMENT',
    }),
  );
}

async function removeImages(ctx: CliContext, names: string[], o: { force?: boolean; prune: boolean }): Promise<void> {
  const errors: string[] = [];
  for (const name of names) {
    try {
      const items = await ctx.client.json<({ Untagged: string } | { Deleted: string })[]>('DELETE', `/images/${name}`, { query: { force: o.force, noprune: !o.prune } });
      for (const it of items) ctx.print('Untagged' in it ? `Untagged: ${it.Untagged}` : `Deleted: ${it.Deleted}`);
    } catch (err) {
      errors.push(err instanceof ApiError ? `Error response from daemon: ${err.message}` : `Error: ${(err as Error).message}`);
    }
  }
  if (errors.length) throw new Error(errors.join('\n'));
}

async function tag(ctx: CliContext, source: string, target: string): Promise<void> {
  const [repo, t] = splitRepoTag(target, '');
  await ctx.client.call('POST', `/images/${source}/tag`, { query: { repo, tag: t || undefined } });
}

async function save(ctx: CliContext, names: string[], o: { output?: string }): Promise<void> {
  if (!o.output && process.stdout.isTTY) throw new Error('cowardly refusing to save to a terminal. Use the -o flag or redirect');
  const showProgress = Boolean(o.output) && process.stderr.isTTY;
  const started = Date.now();
  const progress = showProgress
    ? (n: number): void => {
        process.stderr.write(`\rSaving ${humanSize(n)} (${humanSize(n / Math.max(0.001, (Date.now() - started) / 1000))}/s)\x1b[K`);
      }
    : undefined;
  if (!o.output) {
    // stdout may be a non-blocking pipe: stream it, with backpressure, instead of writeSync.
    await pipeline(await ctx.client.call('GET', '/images/get', { query: { names } }), process.stdout);
    return;
  }
  // The file appears under its name only once complete.
  const tmp = `${o.output}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o644);
  try {
    await ctx.client.download('/images/get', { names }, fd, progress);
    closeSync(fd);
    renameSync(tmp, o.output);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  if (showProgress) process.stderr.write('\n');
}

async function load(ctx: CliContext, o: { input?: string; quiet?: boolean }): Promise<void> {
  if (!o.input && process.stdin.isTTY) throw new Error('requested load from stdin, but stdin is empty');
  const quiet = o.quiet || !ctx.isTTY;
  const res = o.input
    ? await ctx.client.uploadFile('/images/load', { quiet }, o.input, 'application/x-tar')
    : await ctx.client.call('POST', '/images/load', { body: process.stdin, query: { quiet }, headers: { 'Content-Type': 'application/x-tar' } });
  await displayJsonMessages(res, ctx.out, ctx.isTTY);
}

async function importImage(ctx: CliContext, source: string, reference: string | undefined, o: { change?: string[]; message?: string; platform?: string }): Promise<void> {
  const isUrl = /^(https?:\/\/)/.test(source);
  const [repo, t] = reference ? splitRepoTag(reference, '') : ['', ''];
  const query = { fromSrc: isUrl ? source : '-', repo: repo || undefined, tag: t || undefined, message: o.message, changes: o.change, platform: o.platform };
  const body = isUrl ? undefined : source === '-' ? process.stdin : createReadStream(source);
  const res = await ctx.client.call('POST', '/images/create', { query, ...(body ? { body } : {}), headers: { 'Content-Type': 'application/x-tar' } });
  await displayJsonMessages(res, ctx.out, false);
}

async function prune(ctx: CliContext, o: { all?: boolean; force?: boolean; filter?: string[] }): Promise<void> {
  const warning = o.all
    ? 'WARNING! This will remove all images without at least one container associated to them.'
    : 'WARNING! This will remove all dangling images.';
  if (!o.force && !(await confirm(ctx, warning))) return;
  const filters = [...(o.filter ?? []), ...(o.all ? ['dangling=false'] : [])];
  const r = await ctx.client.json<{ ImagesDeleted: ({ Untagged?: string; Deleted?: string })[] | null; SpaceReclaimed: number }>('POST', '/images/prune', { query: { filters: filtersJson(filters) } });
  if (r.ImagesDeleted?.length) {
    ctx.print('Deleted Images:');
    for (const d of r.ImagesDeleted) ctx.print(d.Untagged ? `untagged: ${d.Untagged}` : `deleted: ${d.Deleted}`);
    ctx.print('');
  }
  ctx.print(`Total reclaimed space: ${humanSize(r.SpaceReclaimed)}`);
}

export async function inspectImages(ctx: CliContext, names: string[], o: { format?: string }): Promise<void> {
  await inspectOutput(ctx, names, o.format, async (n) => {
    const res = await ctx.client.call('GET', `/images/${n}/json`);
    return JSON.parse((await readAll(res)).toString('utf8')) as unknown;
  });
}

/** `berth images`, `berth image …` and their top-level aliases. */
export function registerImageCommands(program: Command, ctx: CliContext): void {
  const image = program.command('image').description('Manage images');
  const addLs = (cmd: Command): Command =>
    cmd
      .argument('[REPOSITORY[:TAG]]')
      .option('-a, --all', 'Show all images (default hides intermediate images)')
      .option('-q, --quiet', 'Only show image IDs')
      .option('--digests', 'Show digests')
      .option('--no-trunc', "Don't truncate output")
      .option('-f, --filter <filter>', 'Filter output based on conditions provided', collect)
      .option('--format <string>', 'Format output using a custom template')
      .action((repo: string | undefined, o: Record<string, unknown>) => listImages(ctx, repo, { ...o, noTrunc: o.trunc === false }));
  addLs(program.command('images').description('List images'));
  addLs(image.command('ls').alias('list').description('List images'));

  const addHistory = (cmd: Command): Command =>
    cmd
      .argument('<IMAGE>')
      .option('-H, --human', 'Print sizes and dates in human readable format', true)
      .option('--no-human', 'Print raw sizes and dates')
      .option('--no-trunc', "Don't truncate output")
      .option('-q, --quiet', 'Only show image IDs')
      .option('--format <string>', 'Format output using a custom template')
      .action((name: string, o: Record<string, unknown>) => history(ctx, name, { human: o.human !== false, noTrunc: o.trunc === false, quiet: Boolean(o.quiet), ...(o.format ? { format: String(o.format) } : {}) }));
  addHistory(program.command('history').description('Show the history of an image'));
  addHistory(image.command('history').description('Show the history of an image'));

  const addRm = (cmd: Command): Command =>
    cmd
      .argument('<IMAGE...>')
      .option('-f, --force', 'Force removal of the image')
      .option('--no-prune', 'Do not delete untagged parents')
      .action((names: string[], o: { force?: boolean; prune: boolean }) => removeImages(ctx, names, o));
  addRm(program.command('rmi').description('Remove one or more images'));
  addRm(image.command('rm').alias('remove').description('Remove one or more images'));

  for (const cmd of [program.command('tag'), image.command('tag')]) {
    cmd.description('Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE').argument('<SOURCE_IMAGE[:TAG]>').argument('<TARGET_IMAGE[:TAG]>').action((s: string, t: string) => tag(ctx, s, t));
  }
  for (const cmd of [program.command('save'), image.command('save')]) {
    cmd.description('Save one or more images to a tar archive (streamed to STDOUT by default)').argument('<IMAGE...>').option('-o, --output <file>', 'Write to a file, instead of STDOUT').action((names: string[], o: { output?: string }) => save(ctx, names, o));
  }
  for (const cmd of [program.command('load'), image.command('load')]) {
    cmd.description('Load an image from a tar archive or STDIN').option('-i, --input <file>', 'Read from tar archive file, instead of STDIN').option('-q, --quiet', 'Suppress the load output').action((o: { input?: string; quiet?: boolean }) => load(ctx, o));
  }
  for (const cmd of [program.command('import'), image.command('import')]) {
    cmd
      .description('Import the contents from a tarball to create a filesystem image')
      .argument('<file|URL|->')
      .argument('[REPOSITORY[:TAG]]')
      .option('-c, --change <instruction>', 'Apply Dockerfile instruction to the created image', collect)
      .option('-m, --message <string>', 'Set commit message for imported image')
      .option('--platform <string>', 'Set platform if server is multi-platform capable')
      .action((src: string, ref: string | undefined, o: { change?: string[]; message?: string; platform?: string }) => importImage(ctx, src, ref, o));
  }
  image
    .command('prune')
    .description('Remove unused images')
    .option('-a, --all', 'Remove all unused images, not just dangling ones')
    .option('-f, --force', 'Do not prompt for confirmation')
    .option('--filter <filter>', 'Provide filter values (e.g. "until=<timestamp>")', collect)
    .action((o: { all?: boolean; force?: boolean; filter?: string[] }) => prune(ctx, o));
  image
    .command('inspect')
    .description('Display detailed information on one or more images')
    .argument('<IMAGE...>')
    .option('-f, --format <string>', 'Format output using a custom template')
    .action((names: string[], o: { format?: string }) => inspectImages(ctx, names, o));
}

