/**
 * Reads the body of POST /build into a directory: a tar (plain, gzip, bzip2, xz or zstd,
 * recognised by its magic bytes) extracted safely (nothing lands outside the directory, whatever
 * its names and symlinks say), or a bare Dockerfile (`docker build - < Dockerfile` from clients
 * that do not wrap it). Then finds the Dockerfile as moby does and applies .dockerignore.
 */
import { lstat, readFile, readdir, rm, rmdir } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { looksLikeTar, peek } from '../../base/compression.js';
import { invalidArgument, isErrno } from '../../base/errors.js';
import type { TarExtractor } from '../../base/tar/index.js';
import { extractTar } from '../../base/tar/index.js';
import { decompress } from './decompress.js';
import { rootRelative } from '../../base/slash-path.js';
import { PatternMatcher, readIgnoreFile } from '../../base/patternmatcher.js';
import { scopedPath } from './scoped-path.js';

export const DEFAULT_DOCKERFILE = 'Dockerfile';
/** A bare Dockerfile body is held in memory: refuse absurd ones. */
const MAX_BARE_DOCKERFILE = 16 << 20;

export interface ReadContextOptions {
  /** The `dockerfile` parameter: a path inside the context (default `Dockerfile`). */
  dockerfile?: string;
  /** Apply .dockerignore here (remote contexts); local clients already did. */
  applyIgnore?: boolean;
  /** Reused extraction workers (the daemon's); a one-shot worker otherwise. */
  extractor?: TarExtractor;
  signal?: AbortSignal;
}

export interface BuildContext {
  /** The directory holding the context (empty for a bare Dockerfile). */
  root: string;
  /** The Dockerfile's path inside the context, as found. */
  dockerfilePath: string;
  /** Its text. */
  dockerfile: string;
  /** The .dockerignore patterns in effect (from `<Dockerfile>.dockerignore` or `.dockerignore`). */
  ignore: string[];
  /** False when the body was a bare Dockerfile. */
  hasFiles: boolean;
  /** Tarsum member sums of the regular files, computed while extracting (root-relative names). */
  sums?: Map<string, string>;
}

/**
 * Reads `body` into the existing empty directory `root` (the caller removes it afterwards).
 * Throws InvalidArgument with Docker's messages: `Cannot locate specified Dockerfile: X`,
 * `the Dockerfile (X) cannot be empty`, or the extractor's for a bad archive.
 */
export async function readBuildContext(body: Readable, root: string, opts: ReadContextOptions = {}): Promise<BuildContext> {
  const name = opts.dockerfile === undefined || opts.dockerfile === '' ? DEFAULT_DOCKERFILE : opts.dockerfile;
  const { head, stream } = await peek(body, 512);
  const compression = detectArchive(head);
  if (compression === 'bare') {
    const dockerfile = await readAll(stream);
    if (dockerfile.length === 0) throw invalidArgument(`the Dockerfile (${name}) cannot be empty`);
    return { root, dockerfilePath: name, dockerfile, ignore: [], hasFiles: false };
  }
  // The extraction workers undo gzip themselves; other formats are undone here first.
  const input = compression === 'gzip' || compression === 'none' ? stream : decompress(stream, compression, opts.signal);
  const isRoot = process.getuid?.() === 0;
  const extractOpts = { whiteouts: 'keep' as const, allowDevices: isRoot, sameOwner: isRoot, fileSums: isRoot, ...(opts.signal ? { signal: opts.signal } : {}) };
  // An empty body is an empty context (moby then cannot find the Dockerfile either).
  let sums: Map<string, string> | undefined;
  if (head.length === 0) input.resume();
  else sums = (opts.extractor ? await opts.extractor.extract(input, root, extractOpts) : await extractTar(input, root, extractOpts)).fileSums;
  const ctx = await finishContext(root, name, opts.applyIgnore === true);
  return sums ? { ...ctx, sums } : ctx;
}

type Detected = 'bare' | 'none' | 'gzip' | 'bzip2' | 'xz' | 'zstd';

function detectArchive(head: Buffer): Detected {
  if (head.length === 0) return 'none';
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head[0] === 0x42 && head[1] === 0x5a && head[2] === 0x68) return 'bzip2';
  if (head[0] === 0xfd && head.subarray(1, 6).toString('latin1') === '7zXZ\0') return 'xz';
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  return looksLikeTar(head) ? 'none' : 'bare';
}

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > MAX_BARE_DOCKERFILE) throw invalidArgument('the Dockerfile is too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Locates and reads the Dockerfile, loads the ignore patterns and applies them. */
export async function finishContext(root: string, name: string, applyIgnore: boolean): Promise<BuildContext> {
  let dockerfilePath = name;
  let text = await readInRoot(root, name);
  if (text === undefined && name === DEFAULT_DOCKERFILE) {
    dockerfilePath = name.toLowerCase();
    text = await readInRoot(root, dockerfilePath);
  }
  if (text === undefined) throw invalidArgument(`Cannot locate specified Dockerfile: ${name}`);
  if (text.length === 0) throw invalidArgument(`the Dockerfile (${name}) cannot be empty`);
  const specific = `${rootRelative(dockerfilePath)}.dockerignore`;
  const ignoreText = (await readInRoot(root, specific)) ?? (await readInRoot(root, '.dockerignore'));
  const ignore = ignoreText === undefined ? [] : readIgnoreFile(ignoreText);
  if (ignore.length > 0) {
    const matcher = new PatternMatcher(ignore);
    const buildFiles = new Set(['.dockerignore', specific, rootRelative(dockerfilePath)]);
    if (applyIgnore) await removeIgnored(root, '', matcher, buildFiles);
    // Like moby: the Dockerfile and .dockerignore always arrive, but are not copyable if ignored.
    for (const file of buildFiles) if (safeMatches(matcher, file)) await rm(await scopedPath(root, file, false), { recursive: true, force: true });
  }
  return { root, dockerfilePath, dockerfile: text, ignore, hasFiles: true };
}

function safeMatches(matcher: PatternMatcher, path: string): boolean {
  try {
    return matcher.matches(path);
  } catch {
    return false;
  }
}

/** Reads a regular file below `root` (symlinks resolved inside it); undefined when missing. */
async function readInRoot(root: string, rel: string): Promise<string | undefined> {
  try {
    return await readFile(await scopedPath(root, rootRelative(rel)), 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR') || isErrno(err, 'EISDIR')) return undefined;
    throw err;
  }
}

/**
 * Deletes what the patterns exclude, as if the client had filtered the tar: an excluded
 * directory goes entirely unless an exception may re-include something inside it.
 */
async function removeIgnored(root: string, rel: string, matcher: PatternMatcher, keep: ReadonlySet<string>): Promise<boolean> {
  const dir = rel === '' ? root : `${root}/${rel}`;
  let empty = true;
  for (const name of await readdir(dir)) {
    const childRel = rel === '' ? name : `${rel}/${name}`;
    const child = `${dir}/${name}`;
    if (keep.has(childRel)) {
      empty = false;
      continue;
    }
    const excluded = matcher.matches(childRel);
    const st = await lstat(child);
    if (st.isDirectory() && (!excluded || matcher.hasExclusions)) {
      const nowEmpty = await removeIgnored(root, childRel, matcher, keep);
      if (excluded && nowEmpty) await rmdir(child);
      else empty = false;
    } else if (excluded) {
      await rm(child, { recursive: true, force: true });
    } else {
      empty = false;
    }
  }
  return empty;
}
