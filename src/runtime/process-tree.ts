/**
 * Ending a process together with everything it started, found through /proc's parent links
 * (host PIDs). Used for exec'd processes that must not leave children behind in a container
 * (a healthcheck probe that ran past its timeout).
 */
import { readdir, readFile, readlink } from 'node:fs/promises';

/** Parent of each live process. */
async function parents(): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  const entries = await readdir('/proc').catch(() => [] as string[]);
  await Promise.all(
    entries
      .filter((e) => /^\d+$/.test(e))
      .map(async (e) => {
        const stat = await readFile(`/proc/${e}/stat`, 'utf8').catch(() => '');
        // The command name (field 2) may hold spaces and parentheses: fields resume after the last ')'.
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        if (Number.isInteger(ppid)) out.set(Number(e), ppid);
      }),
  );
  return out;
}

function descendants(root: number, parentOf: Map<number, number>): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, ppid] of parentOf) {
    const list = children.get(ppid) ?? [];
    list.push(pid);
    children.set(ppid, list);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length) {
    for (const c of children.get(queue.shift()!) ?? []) {
      out.push(c);
      queue.push(c);
    }
  }
  return out;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Gone already.
  }
}

/**
 * SIGKILLs `pid` and its descendants. They are stopped first, tree walk by tree walk, so none
 * forks or is re-parented (out of reach) while the tree is read.
 */
export async function killProcessTree(pid: number): Promise<void> {
  if (pid <= 0) return;
  const seen = new Set<number>([pid]);
  signal(pid, 'SIGSTOP');
  for (let round = 0; round < 5; round++) {
    let fresh = false;
    for (const p of descendants(pid, await parents())) {
      if (seen.has(p)) continue;
      seen.add(p);
      fresh = true;
      signal(p, 'SIGSTOP');
    }
    if (!fresh) break;
  }
  for (const p of seen) signal(p, 'SIGKILL');
}

/** True when `pid` lives in `other`'s PID namespace (a pid read from a file may have been reused since). */
export async function sharesPidNamespace(pid: number, other: number): Promise<boolean> {
  const ns = (p: number): Promise<string> => readlink(`/proc/${p}/ns/pid`).catch(() => '');
  const [a, b] = await Promise.all([ns(pid), ns(other)]);
  return a !== '' && a === b;
}
