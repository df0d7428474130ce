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

/** The process's command name (`/proc/<pid>/comm`), or undefined once it is gone. */
export async function commandName(pid: number): Promise<string | undefined> {
  return readFile(`/proc/${pid}/comm`, 'utf8').then(
    (s) => s.trimEnd(),
    () => undefined,
  );
}

/**
 * Resolves once `pid` no longer runs as `before` (the runtime's init has exec'd the container's
 * process) or is gone, or after `limitMs`. `runc start` returns when the init was told to exec,
 * not when it did: clients that read logs right after start (docker-py's tests do) expect the
 * process to be running by then, as it is with dockerd's longer start path.
 */
export async function awaitExec(pid: number, before: string, limitMs = 50): Promise<void> {
  const end = performance.now() + limitMs;
  while (performance.now() < end) {
    const now = await commandName(pid);
    if (now === undefined || now !== before) return;
    await new Promise((r) => setTimeout(r, 1));
  }
}
