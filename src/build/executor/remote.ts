/**
 * What a build fetches over the network: `ADD <url>` sources and `remote=` contexts (a git
 * repository through the host's git, or a tarball or Dockerfile by URL), with moby's rules
 * (builder/remotecontext, builder/dockerfile/copy.go) and its messages.
 */
import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, utimes } from 'node:fs/promises';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { nodeHttp, nodeHttps } from '../../base/node-http.js';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { BerthError, invalidArgument, notFound } from '../../base/errors.js';
import type { ProgressEvent } from '../../base/progress.js';

const execFileP = promisify(execFile);

/** moby's urlutil.IsGitURL. */
export function isGitURL(s: string): boolean {
  if (/^https?:\/\//.test(s) && /\.git(?:#.+)?$/.test(s)) return true;
  return ['git://', 'github.com/', 'git@'].some((p) => s.startsWith(p));
}

/** A GET's answer: status, headers and the body as a stream. */
export interface HttpResponse {
  status: number;
  statusText: string;
  headers: IncomingHttpHeaders;
  body: IncomingMessage;
}

/**
 * GETs `url` (redirects followed), answering moby's errors: `Get "<url>": …` when unreachable,
 * the status and body from 400 on. node:http rather than fetch: fetch refuses some ports that Go's
 * client (and so Docker) allows.
 */
export async function httpGet(url: string, signal: AbortSignal, redirects = 10): Promise<HttpResponse> {
  let res: IncomingMessage;
  try {
    res = await new Promise<IncomingMessage>((resolve, reject) => {
      const get = url.startsWith('https:') ? nodeHttps().get : nodeHttp.get;
      get(url, { signal, headers: { 'User-Agent': 'berth-builder' } }, resolve).on('error', reject);
    });
  } catch (err) {
    if (signal.aborted) throw err;
    throw unreachable(url, err);
  }
  const status = res.statusCode ?? 0;
  if (status >= 300 && status < 400 && res.headers.location && redirects > 0) {
    res.resume();
    return httpGet(new URL(res.headers.location, url).href, signal, redirects - 1);
  }
  const statusText = res.statusMessage ?? '';
  if (status < 400) return { status, statusText, headers: res.headers, body: res };
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  const msg = `failed to GET ${url} with status ${status} ${statusText}: ${Buffer.concat(chunks).toString('utf8').trim()}`;
  if (status === 404) throw notFound(msg);
  if (status === 400) throw invalidArgument(msg);
  if (status === 401) throw new BerthError('Unauthorized', msg);
  if (status === 403) throw new BerthError('Forbidden', msg);
  throw new BerthError('Internal', msg);
}

/** Go's net/http wording for a host that cannot be reached. */
function unreachable(url: string, err: unknown): BerthError {
  const e = err as NodeJS.ErrnoException;
  let host = url;
  try {
    host = new URL(url).host;
  } catch {
    // keep the URL
  }
  const reason =
    e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN'
      ? `dial tcp: lookup ${host.replace(/:\d+$/, '')}: no such host`
      : e.code === 'ECONNREFUSED'
        ? `dial tcp ${host}: connect: connection refused`
        : e.message;
  return new BerthError(e.code === 'ENOTFOUND' ? 'NotFound' : 'Internal', `Get "${url}": ${reason}`, { cause: err });
}

/** The name a download is saved under (moby's getFilenameForDownload). */
function filenameFor(url: string, res: HttpResponse): string {
  const disposition = String(res.headers['content-disposition'] ?? '');
  const m = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition);
  if (m) return decodeURIComponent(m[1]!).split('/').pop() ?? '';
  const path = new URL(url).pathname;
  return path.endsWith('/') ? '' : decodeURIComponent(path.split('/').pop() ?? '');
}

export interface Downloaded {
  /** The file's name (empty when the URL had none: the destination must then name it). */
  name: string;
  /** Where it was saved (a fresh directory holding only it). */
  dir: string;
  path: string;
}

/** ADD <url>: saved with mode 0600 and the Last-Modified time, as moby does. */
export async function download(url: string, dir: string, progress: (e: ProgressEvent) => void, signal: AbortSignal): Promise<Downloaded> {
  const res = await httpGet(url, signal);
  const name = filenameFor(url, res);
  await mkdir(dir, { recursive: true });
  const path = join(dir, name === '' ? '__unnamed__' : name);
  const total = Number(res.headers['content-length'] ?? '') || undefined;
  let current = 0;
  const body = res.body;
  body.on('data', (c: Buffer) => {
    current += c.length;
    progress({ status: 'Downloading', current, ...(total ? { total } : {}) });
  });
  await pipeline(body, createWriteStream(path, { mode: 0o600 }), { signal });
  const modified = Date.parse(res.headers['last-modified'] ?? '');
  const time = Number.isNaN(modified) ? new Date(0) : new Date(modified);
  await utimes(path, time, time);
  return { name, dir, path };
}

/**
 * Clones a git context (`url#ref:subdir`, moby's gitutils) into `dir`; returns the subdirectory
 * the fragment names ('' for the top). Without git on the host, Docker's error.
 */
export async function cloneGitContext(remote: string, dir: string, signal: AbortSignal): Promise<string> {
  let url = remote;
  if (url.startsWith('github.com/')) url = `https://${url}`;
  const hash = url.indexOf('#');
  const fragment = hash < 0 ? '' : url.slice(hash + 1);
  if (hash >= 0) url = url.slice(0, hash);
  const [ref = '', subdir = ''] = fragment.split(':', 2);
  const git = (args: string[], cwd?: string): Promise<unknown> =>
    execFileP('git', args, { signal, ...(cwd ? { cwd } : {}), env: { ...process.env, GIT_TERMINAL_PROMPT: '0' }, maxBuffer: 16 << 20 }).catch((err: NodeJS.ErrnoException & { stderr?: string }) => {
      if (err.code === 'ENOENT') throw new BerthError('Internal', `failed to init repo at ${dir}: exec: "git": executable file not found in $PATH`);
      throw invalidArgument(`error fetching: ${(err.stderr ?? err.message).trim()}`);
    });
  await mkdir(dir, { recursive: true });
  await git(['init', '--quiet', dir]);
  await git(['remote', 'add', 'origin', url], dir);
  const fetch = ['fetch', '--quiet', '--recurse-submodules=yes', 'origin', ref === '' ? 'HEAD' : ref];
  // Dumb HTTP servers cannot do shallow fetches (moby checks for a smart server first).
  await git([...fetch.slice(0, 2), '--depth', '1', ...fetch.slice(2)], dir).catch(() => git(fetch, dir));
  await git(['checkout', '--quiet', 'FETCH_HEAD'], dir);
  await git(['submodule', 'update', '--init', '--recursive', '--depth=1'], dir);
  return subdir;
}
