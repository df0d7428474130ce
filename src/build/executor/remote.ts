/**
 * What a build fetches over the network: `ADD <url>` sources and `remote=` contexts (a git
 * repository through the host's git, or a tarball or Dockerfile by URL), with moby's rules
 * (builder/remotecontext, builder/dockerfile/copy.go) and its messages.
 */
import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
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

/** GETs `url`, answering moby's errors: `Get "<url>": …` when unreachable, the status and body past 399. */
export async function httpGet(url: string, signal: AbortSignal): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, { signal, redirect: 'follow' });
  } catch (err) {
    if (signal.aborted) throw err;
    throw unreachable(url, err);
  }
  if (res.status < 400) return res;
  const body = (await res.text().catch(() => '')).trim();
  const msg = `failed to GET ${url} with status ${res.status} ${res.statusText}: ${body}`;
  if (res.status === 404) throw notFound(msg);
  if (res.status === 400) throw invalidArgument(msg);
  if (res.status === 401) throw new BerthError('Unauthorized', msg);
  if (res.status === 403) throw new BerthError('Forbidden', msg);
  throw new BerthError('Internal', msg);
}

/** Go's net/http wording for a host that cannot be reached. */
function unreachable(url: string, err: unknown): BerthError {
  const cause = (err as { cause?: NodeJS.ErrnoException }).cause;
  const code = cause?.code ?? '';
  let host = url;
  try {
    host = new URL(url).host;
  } catch {
    // keep the URL
  }
  const reason =
    code === 'ENOTFOUND' || code === 'EAI_AGAIN'
      ? `dial tcp: lookup ${host.replace(/:\d+$/, '')}: no such host`
      : code === 'ECONNREFUSED'
        ? `dial tcp ${host}: connect: connection refused`
        : (cause?.message ?? (err as Error).message);
  const e = new BerthError(code === 'ENOTFOUND' ? 'NotFound' : 'Internal', `Get "${url}": ${reason}`, { cause: err });
  return e;
}

/** The name a download is saved under (moby's getFilenameForDownload). */
function filenameFor(url: string, res: Response): string {
  const disposition = res.headers.get('content-disposition') ?? '';
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
  const total = Number(res.headers.get('content-length') ?? '') || undefined;
  let current = 0;
  const body = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
  body.on('data', (c: Buffer) => {
    current += c.length;
    progress({ status: 'Downloading', current, ...(total ? { total } : {}) });
  });
  await pipeline(body, createWriteStream(path, { mode: 0o600 }), { signal });
  const modified = Date.parse(res.headers.get('last-modified') ?? '');
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
  await git(['fetch', '--quiet', '--depth', '1', '--recurse-submodules=yes', 'origin', ref === '' ? 'HEAD' : ref], dir);
  await git(['checkout', '--quiet', 'FETCH_HEAD'], dir);
  await git(['submodule', 'update', '--init', '--recursive', '--depth=1'], dir);
  return subdir;
}
