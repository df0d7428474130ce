import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Bytes of the regular files under `dir` (moby's directory.Size: apparent sizes, hard links
 * counted once, directories and special files not at all). A missing `dir` is 0.
 */
export function directorySize(dir: string): number {
  let total = 0;
  const seen = new Set<string>();
  const walk = (d: string): void => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const n of names) {
      let st;
      try {
        st = lstatSync(join(d, n));
      } catch {
        continue;
      }
      if (st.isDirectory()) walk(join(d, n));
      else if (st.isFile()) {
        if (st.nlink > 1) {
          const key = `${st.dev}:${st.ino}`;
          if (seen.has(key)) continue;
          seen.add(key);
        }
        total += st.size;
      }
    }
  };
  walk(dir);
  return total;
}
