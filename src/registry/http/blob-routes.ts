import { pipeline } from 'node:stream/promises';
import { registryError } from '../errors.js';
import type { ByteRange } from '../storage/registry-storage.js';
import { assertWritable, blobLocation, uploadLocation, type Handler, type RequestContext } from './context.js';
import { sendEmpty } from './respond.js';
import { sendFileBody, sendfileTarget } from './sendfile.js';

/** `bytes=a-b`, `bytes=a-` or `bytes=-n` within `size`; undefined for none or several ranges. */
export function parseRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return header.includes(',') ? undefined : 'unsatisfiable';
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

export const headBlob: Handler = async (ctx, deps) => {
  const blob = await deps.pull.blob(ctx.repo, ctx.ref, ctx.signal);
  sendBlobHeaders(ctx, ctx.ref);
  ctx.res.statusCode = 200;
  ctx.res.setHeader('Content-Length', blob.size);
  ctx.res.end();
};

export const getBlob: Handler = async (ctx, deps) => {
  const blob = await deps.pull.blob(ctx.repo, ctx.ref, ctx.signal);
  const range = parseRange(ctx.req.headers.range, blob.size);
  sendBlobHeaders(ctx, ctx.ref);
  if (range === 'unsatisfiable') {
    ctx.res.setHeader('Content-Range', `bytes */${blob.size}`);
    throw registryError('RANGE_INVALID', 'requested range not satisfiable', { size: blob.size });
  }
  if (range) {
    ctx.res.statusCode = 206;
    ctx.res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${blob.size}`);
    ctx.res.setHeader('Content-Length', range.end - range.start + 1);
  } else {
    ctx.res.statusCode = 200;
    ctx.res.setHeader('Content-Length', blob.size);
  }
  const fd = blob.openFile ? sendfileTarget(ctx.res) : undefined;
  if (fd !== undefined && blob.openFile) {
    const file = await blob.openFile();
    try {
      await sendFileBody(ctx.res, fd, file, range?.start ?? 0, range ? range.end - range.start + 1 : blob.size, ctx.signal);
    } finally {
      await file.close();
    }
    return;
  }
  await pipeline(await blob.open(range), ctx.res, { signal: ctx.signal });
};

function sendBlobHeaders(ctx: RequestContext, digest: string): void {
  ctx.res.setHeader('Content-Type', 'application/octet-stream');
  ctx.res.setHeader('Docker-Content-Digest', digest);
  ctx.res.setHeader('Accept-Ranges', 'bytes');
  ctx.res.setHeader('ETag', `"${digest}"`);
  ctx.res.setHeader('Cache-Control', 'max-age=31536000');
}

export const deleteBlob: Handler = async (ctx, deps) => {
  assertWritable(deps);
  await deps.storage.deleteBlob(ctx.repo, ctx.ref);
  sendEmpty(ctx.res, 202, { 'Docker-Content-Digest': ctx.ref });
};

// --- uploads

/**
 * POST: a mount (`?mount=&from=`), a monolithic upload (`?digest=` with the blob as body) or a
 * new session. A mount that cannot be made falls back to a session (202), as the spec says.
 */
export const startUpload: Handler = async (ctx, deps) => {
  assertWritable(deps);
  const q = ctx.url.searchParams;
  const mount = q.get('mount');
  if (mount !== null) {
    const from = q.get('from') ?? undefined;
    const mounted = await deps.storage.mount(ctx.repo, mount, from, (repo) => ctx.grant.can('repository', repo, 'pull'));
    if (mounted) {
      ctx.req.resume();
      sendEmpty(ctx.res, 201, { Location: blobLocation(ctx.repo, mount), 'Docker-Content-Digest': mount });
      return;
    }
  }
  const upload = await deps.storage.startUpload(ctx.repo);
  const digest = q.get('digest');
  if (digest !== null && mount === null) {
    const done = await deps.storage.completeUpload(ctx.repo, upload.uuid, digest, ctx.req, ctx.signal);
    sendEmpty(ctx.res, 201, { Location: blobLocation(ctx.repo, done.digest), 'Docker-Content-Digest': done.digest });
    return;
  }
  ctx.req.resume();
  sendEmpty(ctx.res, 202, uploadHeaders(ctx.repo, upload.uuid, 0));
};

export const uploadStatus: Handler = async (ctx, deps) => {
  assertWritable(deps);
  const upload = await deps.storage.uploadStatus(ctx.repo, ctx.ref);
  sendEmpty(ctx.res, 204, uploadHeaders(ctx.repo, upload.uuid, upload.offset));
};

export const patchUpload: Handler = async (ctx, deps) => {
  assertWritable(deps);
  const range = parseContentRange(ctx.req.headers['content-range']);
  try {
    const upload = await deps.storage.appendUpload(ctx.repo, ctx.ref, ctx.req, range, ctx.signal);
    sendEmpty(ctx.res, 202, uploadHeaders(ctx.repo, upload.uuid, upload.offset));
  } catch (err) {
    // After a 416 the client needs to know where to resume.
    const offset = (err as { detail?: { offset?: unknown } }).detail?.offset;
    if (typeof offset === 'number') {
      for (const [k, v] of Object.entries(uploadHeaders(ctx.repo, ctx.ref, offset))) ctx.res.setHeader(k, v);
    }
    throw err;
  }
};

export const putUpload: Handler = async (ctx, deps) => {
  assertWritable(deps);
  const digest = ctx.url.searchParams.get('digest');
  if (digest === null) {
    ctx.req.resume();
    throw registryError('DIGEST_INVALID', 'digest missing from the upload completion');
  }
  const range = parseContentRange(ctx.req.headers['content-range']);
  if (range) {
    const status = await deps.storage.uploadStatus(ctx.repo, ctx.ref);
    if (range.start !== status.offset) {
      ctx.req.resume();
      throw registryError('RANGE_INVALID', `chunk starts at ${range.start}, expected ${status.offset}`);
    }
  }
  const done = await deps.storage.completeUpload(ctx.repo, ctx.ref, digest, ctx.req, ctx.signal);
  sendEmpty(ctx.res, 201, { Location: blobLocation(ctx.repo, done.digest), 'Docker-Content-Digest': done.digest, 'Content-Range': `0-${Math.max(done.size - 1, 0)}` });
};

export const cancelUpload: Handler = async (ctx, deps) => {
  assertWritable(deps);
  await deps.storage.cancelUpload(ctx.repo, ctx.ref);
  sendEmpty(ctx.res, 204);
};

function uploadHeaders(repo: string, uuid: string, offset: number): Record<string, string> {
  // distribution's Range for an empty upload is 0-0 (end = max(size-1, 0)).
  return { Location: uploadLocation(repo, uuid), 'Docker-Upload-UUID': uuid, Range: `0-${Math.max(offset - 1, 0)}` };
}

/** `Content-Range: <start>-<end>` of a chunk (distribution also accepts a `bytes ` prefix). */
function parseContentRange(header: string | undefined): ByteRange | undefined {
  if (header === undefined) return undefined;
  const m = /^(?:bytes[ =])?(\d+)-(\d+)(?:\/(?:\d+|\*))?$/.exec(header.trim());
  if (!m) throw registryError('RANGE_INVALID', `invalid Content-Range ${header}`);
  const start = Number(m[1]);
  const end = Number(m[2]);
  if (end < start) throw registryError('RANGE_INVALID', `invalid Content-Range ${header}`);
  return { start, end };
}

