/**
 * A container's filesystem as a whole: `docker diff` (its writable layer against its image) and
 * `docker export` (the merged tree as a tar).
 */
import { lstatSync, readdirSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { lgetxattr } from '../base/libc.js';
import { writeLayerTar } from '../base/tar/index.js';

/** Docker's change kinds: 0 modified, 1 added, 2 deleted. */
export interface Change {
  path: string;
  kind: 0 | 1 | 2;
}

const isWhiteout = (st: Stats): boolean => st.isCharacterDevice() && st.rdev === 0;

function existsBelow(lowerDirs: string[], rel: string): boolean {
  return lowerDirs.some((d) => {
    try {
      lstatSync(join(d, rel));
      return true;
    } catch {
      return false;
    }
  });
}

/** Walks the upper dir: whiteouts are deletions, paths the image has are changes, others additions. */
export function diffUpper(upper: string, lowerDirs: string[]): Change[] {
  const out: Change[] = [];
  const walk = (rel: string): void => {
    let names: string[];
    try {
      names = readdirSync(join(upper, rel)).sort();
    } catch {
      return;
    }
    for (const name of names) {
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(join(upper, r));
      if (isWhiteout(st)) {
        out.push({ path: `/${r}`, kind: 2 });
        continue;
      }
      const existed = existsBelow(lowerDirs, r);
      // An opaque directory replaced the image's: Docker reports it as changed, its content as added.
      const opaque = st.isDirectory() && lgetxattr(join(upper, r), 'trusted.overlay.opaque')?.toString() === 'y';
      out.push({ path: `/${r}`, kind: existed ? 0 : 1 });
      if (st.isDirectory()) {
        if (opaque) walkAdded(r);
        else walk(r);
      }
    }
  };
  const walkAdded = (rel: string): void => {
    for (const name of readdirSync(join(upper, rel)).sort()) {
      const r = `${rel}/${name}`;
      out.push({ path: `/${r}`, kind: 1 });
      if (lstatSync(join(upper, r)).isDirectory()) walkAdded(r);
    }
  };
  walk('');
  // /etc/hosts, /etc/hostname and /etc/resolv.conf are bind mounts, not changes (Docker hides them too).
  return out.filter((c) => !['/etc/hosts', '/etc/hostname', '/etc/resolv.conf'].includes(c.path) || c.kind !== 1);
}

/** The merged root filesystem as a tar, without the placeholders of bind-mounted /etc files. */
export async function exportRootfs(merged: string, out: Writable, signal?: AbortSignal): Promise<void> {
  await writeLayerTar(merged, out, { whiteouts: 'none', exclude: new Set(['etc/hosts', 'etc/hostname', 'etc/resolv.conf']), ...(signal ? { signal } : {}) });
}
