/**
 * COPY/ADD source resolution, as moby's classic builder does it (builder/dockerfile/copy.go):
 * wildcards matched with filepath.Match against every path of the root, paths resolved inside
 * the root (symlinks followed there, `..` refused), checksums for the cache key, and the
 * multiple-sources-need-a-directory rule. URLs are left to the executor (ADD downloads them).
 */
import { lstat, readdir, stat } from 'node:fs/promises';
import { invalidArgument, isErrno } from '../../base/errors.js';
import { combinedChecksum, type SourceHasher } from './checksum.js';
import { containsWildcards, filepathMatch } from '../../base/filepath-match.js';
import { cleanPath } from '../../base/slash-path.js';
import { scopedPath } from './scoped-path.js';

/** One resolved source. */
export type CopySource =
  | {
      kind: 'path';
      /** Root-relative path as named or matched (a symlink's own name, for the destination name). */
      path: string;
      /** Host path after resolving symlinks inside the root. */
      fullPath: string;
      isDir: boolean;
      /** `file:<sum>` or `dir:<sum>`. */
      checksum: string;
      /** ADD never extracts it (a downloaded file). */
      noDecompress?: boolean;
    }
  | { kind: 'url'; url: string };

export interface CopySourcesRequest {
  cmdName: 'COPY' | 'ADD';
  sources: readonly string[];
  dest: string;
  /** True when the root is the build context (not a stage or an image): changes a message. */
  fromContext: boolean;
  /** Expand `*?[` (moby turns it off for paths found by a wildcard). */
  allowWildcards?: boolean;
}

export interface ResolvedSources {
  sources: CopySource[];
  /** What the cache key records: one source's checksum, or `multi:` over all of them. */
  checksum: string;
}

/** True for what ADD downloads (moby's urlutil.IsURL). */
export function isURL(s: string): boolean {
  return s.startsWith('http://') || s.startsWith('https://');
}

/** Resolves and hashes the sources of a COPY/ADD against `hasher.root`; throws Docker's messages. */
export async function resolveSources(req: CopySourcesRequest, hasher: SourceHasher): Promise<ResolvedSources> {
  const failed = (message: string): Error => invalidArgument(`${req.cmdName} failed: ${message}`);
  const sources: CopySource[] = [];
  for (const orig of req.sources) {
    if (isURL(orig)) {
      if (req.cmdName === 'COPY') throw failed("source can't be a URL for COPY");
      sources.push({ kind: 'url', url: orig });
      continue;
    }
    const path = orig.replace(/^\/+/, '').replace(/^\.\//, '');
    if (req.allowWildcards !== false && containsWildcards(path)) {
      for (const rel of await wildcardMatches(hasher.root, path)) sources.push(await pathSource(rel, req, hasher, failed));
    } else {
      sources.push(await pathSource(path, req, hasher, failed));
    }
  }
  if (sources.length === 0) throw failed('no source files were specified');
  if (sources.length > 1 && !req.dest.endsWith('/')) {
    throw invalidArgument(`When using ${req.cmdName} with more than one source file, the destination must be a directory and end with a /`);
  }
  return { sources, checksum: combinedChecksum(sources.map((s) => (s.kind === 'url' ? s.url : s.checksum))) };
}

async function pathSource(path: string, req: CopySourcesRequest, hasher: SourceHasher, failed: (m: string) => Error): Promise<CopySource> {
  const joined = cleanPath(`${hasher.root}/${path}`);
  if (joined !== hasher.root && !joined.startsWith(`${hasher.root.replace(/\/+$/, '')}/`)) {
    throw failed(`forbidden path outside the build context: ${path} ()`);
  }
  const fullPath = await scopedPath(hasher.root, path);
  let isDir: boolean;
  try {
    isDir = (await stat(fullPath)).isDirectory();
  } catch (err) {
    if (!isErrno(err, 'ENOENT') && !isErrno(err, 'ENOTDIR')) throw err;
    const notFound = `stat ${path}: file does not exist`;
    throw failed(req.fromContext ? `file not found in build context or excluded by .dockerignore: ${notFound}` : notFound);
  }
  return { kind: 'path', path, fullPath, isDir, checksum: await hasher.sourceChecksum(path) };
}

/** Every root-relative path (walked in lexical order, symlinks not followed) that `pattern` matches. */
async function wildcardMatches(root: string, pattern: string): Promise<string[]> {
  const out: string[] = [];
  const visit = async (dir: string, rel: string): Promise<void> => {
    let names: string[];
    try {
      names = (await readdir(dir)).sort();
    } catch (err) {
      if (isErrno(err, 'ENOTDIR') || isErrno(err, 'ENOENT')) return;
      throw err;
    }
    for (const name of names) {
      const childRel = rel === '' ? name : `${rel}/${name}`;
      let matched: boolean;
      try {
        matched = filepathMatch(pattern, childRel);
      } catch {
        matched = false;
      }
      if (matched) out.push(childRel);
      const st = await lstat(`${dir}/${name}`);
      if (st.isDirectory()) await visit(`${dir}/${name}`, childRel);
    }
  };
  await visit(root, '');
  return out;
}
