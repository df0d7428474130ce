/**
 * Blob uploads as Docker makes them: `POST …/blobs/uploads/` opens a session, one `PATCH` streams
 * the whole blob (chunked transfer encoding, no Content-Range), `PUT ?digest=` closes it with the
 * digest computed meanwhile. A registry that announces `OCI-Chunk-Min-Length` gets chunks of at
 * least that size instead, each with its `Content-Range`.
 */
import type { Digest } from '../base/digest.js';
import { BerthError } from '../base/errors.js';
import type { EndpointSession } from './session.js';
import type { HttpResponse } from './transport.js';

export interface UploadOptions {
  onProgress?: ((bytes: number) => void) | undefined;
  signal?: AbortSignal | undefined;
}

const MIN_CHUNK = 8 << 20;

/**
 * A blob's bytes for an upload, fresh for each attempt. A chunk may be reused by the source once
 * the next is asked for: each is written out (handed to the kernel) before the next is taken.
 */
export type UploadSource = () => AsyncIterable<Buffer>;

export async function uploadBlob(session: EndpointSession, path: string, source: UploadSource, digest: () => Digest, opts: UploadOptions): Promise<Digest> {
  const start = await session.send('POST', `/v2/${path}/blobs/uploads/`, { body: Buffer.alloc(0), signal: opts.signal });
  if (start.status !== 202) return session.fail(start);
  start.body.resume();
  let location = locationOf(start);
  const minChunk = Number(start.headers['oci-chunk-min-length'] ?? 0);
  location = minChunk > 0 ? await patchChunks(session, location, source(), Math.max(minChunk, MIN_CHUNK), opts) : await patchStream(session, location, source(), opts);
  const d = digest();
  location.searchParams.set('digest', d);
  const done = await session.send('PUT', location, { body: Buffer.alloc(0), signal: opts.signal });
  if (done.status !== 201) return session.fail(done);
  done.body.resume();
  const confirmed = done.headers['docker-content-digest'];
  if (typeof confirmed === 'string' && confirmed !== '' && confirmed !== d) {
    throw new BerthError('Internal', `the registry stored ${confirmed} for a blob whose digest is ${d}`);
  }
  return d;
}

/** Cancels an upload session nobody will use (a mount the registry turned into an upload). */
export async function cancelUpload(session: EndpointSession, res: HttpResponse, signal?: AbortSignal): Promise<void> {
  const res2 = await session.send('DELETE', locationOf(res), { signal });
  res2.body.resume();
}

async function patchStream(session: EndpointSession, location: URL, data: AsyncIterable<Buffer>, opts: UploadOptions): Promise<URL> {
  const res = await session.send('PATCH', location, { body: counted(data, opts.onProgress), headers: { 'Content-Type': 'application/octet-stream' }, signal: opts.signal });
  if (res.status !== 202) return session.fail(res);
  res.body.resume();
  return locationOf(res);
}

async function patchChunks(session: EndpointSession, location: URL, data: AsyncIterable<Buffer>, chunkSize: number, opts: UploadOptions): Promise<URL> {
  let offset = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const send = async (): Promise<void> => {
    const chunk = Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    const headers = { 'Content-Type': 'application/octet-stream', 'Content-Range': `${offset}-${offset + chunk.length - 1}` };
    const res = await session.send('PATCH', location, { body: chunk, headers, signal: opts.signal });
    if (res.status !== 202) await session.fail(res);
    res.body.resume();
    location = locationOf(res);
    offset += chunk.length;
    opts.onProgress?.(offset);
  };
  for await (const c of data) {
    // Copied: the source reuses its buffer for the next chunk.
    pending.push(Buffer.from(c));
    pendingBytes += c.length;
    if (pendingBytes >= chunkSize) await send();
  }
  if (pendingBytes > 0) await send();
  return location;
}

function locationOf(res: HttpResponse): URL {
  const loc = res.headers.location;
  if (!loc) throw new BerthError('Internal', 'the registry answered an upload request without a Location');
  return new URL(loc, res.url);
}

async function* counted(data: AsyncIterable<Buffer>, onProgress?: (bytes: number) => void): AsyncGenerator<Buffer> {
  let n = 0;
  for await (const c of data) {
    n += c.length;
    onProgress?.(n);
    yield c;
  }
}
