/**
 * Where a build's context comes from (moby's remotecontext.Detect): the request body, a git
 * repository (`remote=` a git URL) or a URL serving a tarball or a bare Dockerfile. Remote
 * contexts get .dockerignore applied here, since no client filtered them.
 */
import { mkdir } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { invalidArgument } from '../../base/errors.js';
import type { TarExtractor } from '../../base/tar/index.js';
import { isURL } from '../context/copy-sources.js';
import { rootRelative } from '../../base/slash-path.js';
import { finishContext, readBuildContext, type BuildContext } from '../context/reader.js';
import { scopedPath } from '../context/scoped-path.js';
import { cloneGitContext, httpGet, isGitURL } from './remote.js';
import type { BuildRequest } from './request.js';
import type { BuildSink } from './types.js';

export async function loadContext(req: BuildRequest, body: Readable, dir: string, sink: BuildSink, opts: { extractor?: TarExtractor; signal: AbortSignal }): Promise<BuildContext> {
  await mkdir(dir, { recursive: true });
  const dockerfile = req.dockerfile === '' ? 'Dockerfile' : req.dockerfile;
  const read = { dockerfile, ...(opts.extractor ? { extractor: opts.extractor } : {}), signal: opts.signal };
  const remote = req.remote;
  if (remote === '') return readBuildContext(body, dir, read);
  // The body of a remote build is empty; whatever came is not the context.
  body.resume();
  if (remote === 'client-session') throw invalidArgument('experimental session with v1 builder is no longer supported, use builder version v2 (BuildKit) instead');
  if (isGitURL(remote)) {
    const subdir = rootRelative(await cloneGitContext(remote, dir, opts.signal));
    return finishContext(subdir === '' ? dir : await scopedPath(dir, subdir), dockerfile, true);
  }
  if (isURL(remote)) {
    const res = await httpGet(remote, opts.signal);
    const total = Number(res.headers['content-length'] ?? '') || undefined;
    const stream = res.body;
    let current = 0;
    stream.on('data', (c: Buffer) => {
      current += c.length;
      sink.progress({ id: 'Downloading context', status: remote, current, ...(total ? { total } : {}) });
    });
    return readBuildContext(stream, dir, { ...read, applyIgnore: true });
  }
  throw invalidArgument(`remoteURL (${remote}) could not be recognized as URL`);
}
