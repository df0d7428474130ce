/**
 * Network namespaces that outlive their processes: a bind mount of a fresh netns on a file under
 * `<execRoot>/netns` (what Docker keeps in /var/run/docker/netns and reports as SandboxKey).
 * The directory is a private mount of itself, so the bind mounts never propagate elsewhere.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BerthError, isErrno } from '../base/errors.js';
import { isMounted } from '../base/mountinfo.js';
import { MNT_DETACH, MS_BIND, MS_PRIVATE, mount, umount2, umount2Async } from '../base/libc.js';
import { inNewNetns, RtNetlink } from '../base/netlink.js';

/** The loopback interface's index in every network namespace. */
const LOOPBACK_INDEX = 1;

/**
 * Set inside the new namespace (/proc/sys/net is the calling thread's namespace's); the IPv6
 * knobs are absent on a host without IPv6.
 */
const SYSCTLS: [string, string][] = [
  ['/proc/sys/net/ipv6/conf/default/disable_ipv6', '1'],
  ['/proc/sys/net/ipv6/conf/default/accept_dad', '0'],
];

/**
 * On the calling thread: a new network namespace pinned on `path`, `lo` up and the sysctls
 * set in it; the thread is back in its own namespace afterwards, whatever happens.
 */
function pinNewNetns(path: string): void {
  inNewNetns(() => {
    mount('/proc/thread-self/ns/net', path, null, MS_BIND);
    // A socket acts in the namespace it was made in: this one in the new namespace.
    const nl = RtNetlink.open();
    try {
      nl.setUp(LOOPBACK_INDEX, 'setting lo up');
    } finally {
      nl.close();
    }
    for (const [file, value] of SYSCTLS) {
      try {
        writeFileSync(file, value);
      } catch (err) {
        if (!isErrno(err, 'ENOENT')) throw err;
      }
    }
  });
}

const exists = (p: string): Promise<boolean> => stat(p).then(
  () => true,
  () => false,
);

export class NetnsDir {
  private ready: Promise<void> | undefined;

  constructor(readonly dir: string) {}

  path(id: string): string {
    return join(this.dir, id.slice(0, 12));
  }

  /**
   * Once, however many containers start at the same time: two concurrent checks would both bind
   * the directory onto itself, and a namespace pinned between the two mounts would be hidden
   * under the second (its path then a plain file: "unknown FS magic" from the CNI plugins).
   */
  private ensureDir(): Promise<void> {
    this.ready ??= (async () => {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      if (!isMounted(this.dir)) {
        mount(this.dir, this.dir, null, MS_BIND);
        mount('none', this.dir, null, MS_PRIVATE);
      }
    })().catch((err: unknown) => {
      this.ready = undefined;
      throw err;
    });
    return this.ready;
  }

  /**
   * A new network namespace with `lo` up, pinned at `path(id)`; an existing one is kept. Its
   * new interfaces start without IPv6 (moby disables it on IPv4-only endpoints; the CNI plugins
   * turn it on where they add an IPv6 address) and without duplicate address detection (moby
   * adds addresses NODAD: a tentative address is unusable for about a second).
   */
  async create(id: string): Promise<string> {
    await this.ensureDir();
    const p = this.path(id);
    // The common case (no file yet) without reading the mount table.
    if ((await exists(p)) && isMounted(p)) return p;
    await writeFile(p, '', { flag: 'a', mode: 0o600 });
    try {
      pinNewNetns(p);
    } catch (err) {
      // The namespace may have been pinned before a later step failed.
      try {
        umount2(p, MNT_DETACH);
      } catch {
        // not mounted
      }
      rmSync(p, { force: true });
      throw new BerthError('Internal', `creating a network namespace: ${(err as Error).message}`, { cause: err });
    }
    return p;
  }

  async remove(id: string): Promise<void> {
    const p = this.path(id);
    // Off the event loop: a stop must not wait on the mount table's lock with the daemon blocked.
    await umount2Async(p, MNT_DETACH).catch(() => {
      // not mounted (any more)
    });
    await rm(p, { force: true });
  }
}
