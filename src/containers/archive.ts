/**
 * `docker cp`: stat, read and write paths inside a container's root filesystem, every path
 * resolved chroot-style so a symlink in the container never leads outside it.
 */
import { spawn } from 'node:child_process';
import { lstatSync, readlinkSync, statSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BerthError, invalidArgument, isErrno, notFound } from '../base/errors.js';
import { resolveInRoot } from '../base/root-path.js';
import { extractTar } from '../base/tar/index.js';

/** What `X-Docker-Container-Path-Stat` carries: Go's os.FileMode bits in `mode`. */
export interface PathStat {
  name: string;
  size: number;
  mode: number;
  mtime: string;
  linkTarget: string;
}

const GO_DIR = 2 ** 31;
const GO_SYMLINK = 2 ** 27;
const GO_SETUID = 2 ** 23;
const GO_SETGID = 2 ** 22;
const GO_STICKY = 2 ** 20;

function goMode(mode: number, kind: 'dir' | 'link' | 'file'): number {
  let m = mode & 0o777;
  if (mode & 0o4000) m += GO_SETUID;
  if (mode & 0o2000) m += GO_SETGID;
  if (mode & 0o1000) m += GO_STICKY;
  if (kind === 'dir') m += GO_DIR;
  if (kind === 'link') m += GO_SYMLINK;
  return m;
}

/** The path as Docker resolves it: the final symlink is not followed (cp copies the link). */
function hostPath(rootfs: string, path: string, id: string): string {
  if (!path.startsWith('/')) throw invalidArgument(`path "${path}" is not absolute`);
  const host = resolveInRoot(rootfs, path, false);
  try {
    lstatSync(host);
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) throw notFound(`Could not find the file ${path} in container ${id}`);
    throw err;
  }
  return host;
}

export function statPath(rootfs: string, path: string, id: string): PathStat {
  const host = hostPath(rootfs, path, id);
  const st = lstatSync(host);
  const kind = st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'link' : 'file';
  return {
    name: basename(path) || '/',
    size: st.size,
    mode: goMode(st.mode, kind),
    mtime: st.mtime.toISOString(),
    linkTarget: kind === 'link' ? readlinkSync(host) : '',
  };
}

/** A tar whose top entry is the path's base name (a directory with its content), as Docker sends. */
export async function archivePath(rootfs: string, path: string, id: string, out: Writable, signal?: AbortSignal): Promise<void> {
  const host = hostPath(rootfs, path, id);
  const parent = host === rootfs ? rootfs : dirname(host);
  const name = host === rootfs ? '.' : basename(host);
  // GNU tar archives the named item without following it, relative to its (resolved) parent.
  const tar = spawn('tar', ['--numeric-owner', '-C', parent, '-cf', '-', '--', name], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  tar.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve, reject) => {
    tar.once('error', reject);
    tar.once('exit', (code) => (code === 0 ? resolve() : reject(new BerthError('Internal', `archiving ${path}: ${stderr.trim() || `tar exited ${code}`}`))));
  });
  await pipeline(tar.stdout, out, { end: false, ...(signal ? { signal } : {}) });
  await exited;
}

/** Unpacks a tar into a directory of the container (which must exist), as `PUT …/archive` does. */
export async function extractInto(rootfs: string, path: string, id: string, input: Readable, signal?: AbortSignal): Promise<void> {
  const host = hostPath(rootfs, path, id);
  // The destination itself may be a symlink to a directory inside the container.
  const dest = resolveInRoot(rootfs, path, true);
  let isDir = false;
  try {
    isDir = statSync(dest).isDirectory();
  } catch {
    isDir = false;
  }
  void host;
  if (!isDir) throw invalidArgument(`extraction point is not a directory`);
  await extractTar(input, dest, { whiteouts: 'keep', allowDevices: true, sameOwner: true, ...(signal ? { signal } : {}) });
}
