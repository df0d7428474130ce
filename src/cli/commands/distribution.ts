/**
 * `berth pull`, `push`, `login`, `logout` and `search`, after docker/cli's image/pull.go,
 * image/push.go and registry/*.go: the same flags, messages and output; credentials from the
 * berth config file (cli/credentials.ts) sent as X-Registry-Auth.
 */
import type { Command } from 'commander';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { readAll } from '../../client/index.js';
import { collect, filtersJson, type CliContext } from '../context.js';
import { configPath, encodeAuthHeader, eraseAuth, hostnameOf, INDEX_SERVER, loadAuth, storeAuth, type StoredAuth } from '../credentials.js';
import { formatOutput } from '../format/table.js';
import { displayJsonMessages } from '../progress.js';
import { apiTag, familiarName, parseImageRef, validateImageRef, type ImageRef } from '../reference.js';
import { formatRow } from './shared.js';

const discard = new Writable({ write: (_c, _e, cb) => cb() });

/** The registry host of a fully qualified name (`docker.io/library/busybox` → `docker.io`). */
function hostOf(ref: ImageRef): string {
  return ref.name.slice(0, ref.name.indexOf('/'));
}

/** The X-Registry-Auth of the credentials stored for a registry (`e30=` when there are none). */
export async function authHeaderFor(host: string): Promise<string> {
  return encodeAuthHeader(await loadAuth(host));
}

/** `docker pull`: `Using default tag`, the daemon's progress, then the full reference. */
async function pull(ctx: CliContext, remote: string, o: { allTags?: boolean; platform?: string; quiet?: boolean }): Promise<void> {
  validateImageRef(remote);
  const ref = parseImageRef(remote);
  if (o.allTags && (ref.tag !== undefined || ref.digest !== undefined)) throw new Error("tag can't be used with --all-tags/-a");
  if (!o.allTags && ref.tag === undefined && ref.digest === undefined) {
    ref.tag = 'latest';
    if (!o.quiet) ctx.print('Using default tag: latest');
  }
  const res = await ctx.client.call('POST', '/images/create', {
    query: { fromImage: ref.name, tag: o.allTags ? undefined : apiTag(ref), platform: o.platform },
    headers: { 'X-Registry-Auth': await authHeaderFor(hostOf(ref)) },
  });
  await displayJsonMessages(res, o.quiet ? discard : ctx.out, ctx.isTTY);
  ctx.print(`${ref.name}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`);
}

/** `docker push`: the name goes in the path, unescaped, and the tag in the query. */
async function push(ctx: CliContext, remote: string, o: { allTags?: boolean; quiet?: boolean }): Promise<void> {
  validateImageRef(remote);
  const ref = parseImageRef(remote);
  if (o.allTags && ref.tag !== undefined) throw new Error("tag can't be used with --all-tags/-a");
  if (!o.allTags && ref.tag === undefined && ref.digest === undefined) {
    ref.tag = 'latest';
    if (!o.quiet) ctx.print('Using default tag: latest');
  }
  const res = await ctx.client.call('POST', `/images/${familiarName(ref)}/push`, {
    query: { tag: o.allTags ? undefined : ref.tag },
    headers: { 'X-Registry-Auth': await authHeaderFor(hostOf(ref)) },
  });
  await displayJsonMessages(res, o.quiet ? discard : ctx.out, ctx.isTTY);
  if (o.quiet) ctx.print(`${ref.name}${ref.tag !== undefined ? `:${ref.tag}` : ''}`);
}

async function readStdin(): Promise<string> {
  return (await readAll(process.stdin)).toString('utf8');
}

/** Asks on the terminal; the password without echo. */
async function prompt(question: string, secret: boolean): Promise<string> {
  const muted = new Writable({ write: (_c, _e, cb) => cb() });
  process.stderr.write(question);
  const rl = createInterface({ input: process.stdin, output: secret ? muted : process.stderr, terminal: true });
  try {
    return await new Promise<string>((resolve) => rl.question('', resolve));
  } finally {
    rl.close();
    if (secret) process.stderr.write('\n');
  }
}

async function tryLogin(ctx: CliContext, auth: StoredAuth): Promise<{ Status: string; IdentityToken?: string }> {
  return ctx.client.json('POST', '/auth', { body: auth });
}

async function login(ctx: CliContext, server: string | undefined, o: { username?: string; password?: string; passwordStdin?: boolean }): Promise<void> {
  if (o.passwordStdin) {
    if (o.password !== undefined) throw new Error('conflicting options: cannot specify both --password and --password-stdin');
    if (o.username === undefined) throw new Error('the --password-stdin option requires --username to be set');
  }
  if (o.username === '') throw new Error('username is empty');
  if (o.password === '') throw new Error('password is empty');
  if (o.password !== undefined) process.stderr.write('WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n');
  let password = o.password;
  if (o.passwordStdin) password = (await readStdin()).replace(/\n$/, '').replace(/\r$/, '');
  const serverAddress = server && server !== 'docker.io' ? server : INDEX_SERVER;
  const key = serverAddress === INDEX_SERVER ? INDEX_SERVER : hostnameOf(serverAddress);
  let username = o.username;
  if (username === undefined && password === undefined) {
    const stored = await loadAuth(key === INDEX_SERVER ? 'docker.io' : key);
    if (stored?.username && (stored.password || stored.identitytoken)) {
      process.stderr.write(`Authenticating with existing credentials... [Username: ${stored.username}]\n`);
      try {
        const r = await tryLogin(ctx, { ...stored, serveraddress: serverAddress });
        ctx.print(r.Status);
        return;
      } catch (err) {
        process.stderr.write(`Login did not succeed, error: ${(err as Error).message}\n`);
      }
    }
  }
  if (!username || !password) {
    if (!process.stdin.isTTY) throw new Error('Error: Cannot perform an interactive login from a non TTY device');
    username ||= (await prompt(`Username: `, false)).trim();
    if (!username) throw new Error('Error: Non-null Username Required');
    password ||= await prompt('Password: ', true);
    if (!password) throw new Error('Error: Password Required');
  }
  const r = await tryLogin(ctx, { username, password, serveraddress: serverAddress });
  await storeAuth(key, { username, password, ...(r.IdentityToken ? { identitytoken: r.IdentityToken } : {}) });
  process.stderr.write(`\nWARNING! Your credentials are stored unencrypted in '${configPath()}'.\n\n`);
  ctx.print(r.Status);
}

async function logout(ctx: CliContext, server: string | undefined): Promise<void> {
  const address = server && server !== 'docker.io' ? server : INDEX_SERVER;
  const hostname = address === INDEX_SERVER ? INDEX_SERVER : hostnameOf(address);
  ctx.print(`Removing login credentials for ${hostname}`);
  const keys = address === INDEX_SERVER ? [INDEX_SERVER] : [address, hostname, `http://${hostname}`, `https://${hostname}`];
  await eraseAuth([...new Set(keys)]);
}

interface WireSearchResult {
  name: string;
  description: string;
  star_count: number;
  is_official: boolean;
  is_automated: boolean;
}

/** docker's Ellipsis: at most `max` columns, the last one an ellipsis when cut. */
function ellipsis(s: string, max: number): string {
  const chars = Array.from(s);
  return chars.length <= max ? s : chars.slice(0, max - 1).join('') + '…';
}

async function search(ctx: CliContext, term: string, o: { filter?: string[]; format?: string; limit?: string; noTrunc?: boolean }): Promise<void> {
  const [first, rest] = [term.split('/')[0]!, term.includes('/')];
  const host = rest && (first.includes('.') || first.includes(':') || first === 'localhost') ? first : 'docker.io';
  const results = await ctx.client.json<WireSearchResult[]>('GET', '/images/search', {
    query: { term, limit: o.limit, filters: filtersJson(o.filter) },
    headers: { 'X-Registry-Auth': await authHeaderFor(host) },
  });
  const json = o.format === 'json' || (o.format ?? '').includes('json .');
  const rows = results.map((r) => {
    const desc = r.description.replace(/[\n\r]/g, ' ');
    return formatRow({
      Name: r.name,
      Description: o.noTrunc ? desc : ellipsis(desc, 45),
      StarCount: String(r.star_count),
      IsOfficial: r.is_official ? (json ? 'true' : '[OK]') : json ? 'false' : '',
      IsAutomated: r.is_automated ? (json ? 'true' : '[OK]') : json ? 'false' : '',
    });
  });
  ctx.out.write(
    formatOutput(o.format, 'table {{.Name}}\t{{.Description}}\t{{.StarCount}}\t{{.IsOfficial}}', rows, { Name: 'NAME', Description: 'DESCRIPTION', StarCount: 'STARS', IsOfficial: 'OFFICIAL', IsAutomated: 'AUTOMATED' }),
  );
}

export function registerDistributionCommands(program: Command, image: Command, ctx: CliContext): void {
  for (const parent of [program, image]) {
    parent
      .command('pull')
      .description('Download an image from a registry')
      .argument('<NAME[:TAG|@DIGEST]>')
      .option('-a, --all-tags', 'Download all tagged images in the repository')
      .option('--platform <string>', 'Set platform if server is multi-platform capable', process.env.DOCKER_DEFAULT_PLATFORM)
      .option('-q, --quiet', 'Suppress verbose output')
      .option('--disable-content-trust', 'Skip image verification (default true)')
      .action((remote: string, o: { allTags?: boolean; platform?: string; quiet?: boolean }) => pull(ctx, remote, o));
    parent
      .command('push')
      .description('Upload an image to a registry')
      .argument('<NAME[:TAG]>')
      .option('-a, --all-tags', 'Push all tags of an image to the repository')
      .option('-q, --quiet', 'Suppress verbose output')
      .option('--disable-content-trust', 'Skip image signing (default true)')
      .action((remote: string, o: { allTags?: boolean; quiet?: boolean }) => push(ctx, remote, o));
  }
  program
    .command('login')
    .description('Authenticate to a registry.\nDefaults to Docker Hub if no server is specified.')
    .argument('[SERVER]')
    .option('-u, --username <string>', 'Username')
    .option('-p, --password <string>', 'Password or Personal Access Token (PAT)')
    .option('--password-stdin', 'Take the Password or Personal Access Token (PAT) from stdin')
    .action((server: string | undefined, o: { username?: string; password?: string; passwordStdin?: boolean }) => login(ctx, server, o));
  program
    .command('logout')
    .description('Log out from a registry.\nIf no server is specified, the default is defined by the daemon.')
    .argument('[SERVER]')
    .action((server: string | undefined) => logout(ctx, server));
  program
    .command('search')
    .description('Search Docker Hub for images')
    .argument('<TERM>')
    .option('-f, --filter <filter>', 'Filter output based on conditions provided', collect)
    .option('--format <string>', 'Pretty-print search using a Go template')
    .option('--limit <int>', 'Max number of search results')
    .option('--no-trunc', "Don't truncate output")
    .action((term: string, o: { filter?: string[]; format?: string; limit?: string; trunc?: boolean }) => search(ctx, term, { ...o, noTrunc: o.trunc === false }));
}
