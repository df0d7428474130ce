/**
 * Network namespaces that outlive their processes: a bind mount of a fresh netns on a file under
 * `<execRoot>/netns` (what Docker keeps in /var/run/docker/netns and reports as SandboxKey).
 * The directory is a private mount of itself, so the bind mounts never propagate elsewhere.
 */
import { execFile } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BerthError } from '../base/errors.js';
import { isMounted } from '../base/mountinfo.js';
import { MNT_DETACH, umount2 } from '../base/libc.js';

const execFileP = promisify(execFile);

/** Run inside the new namespace; the IPv6 knobs are absent on a host without IPv6. */
const SETUP = [
  'ip link set lo up || exit 1',
  'for k in disable_ipv6:1 accept_dad:0; do echo ${k#*:} > /proc/sys/net/ipv6/conf/default/${k%:*} 2>/dev/null; done',
  'exit 0',
].join('; ');

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
        await execFileP('mount', ['--bind', this.dir, this.dir]);
        await execFileP('mount', ['--make-private', this.dir]);
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
    if (isMounted(p)) return p;
    closeSync(openSync(p, 'a', 0o600));
    try {
      // One process: unshare pins the namespace and runs `ip` inside it.
      await execFileP('unshare', [`--net=${p}`, 'sh', '-c', SETUP]);
    } catch (err) {
      // unshare may have pinned the namespace before `ip` failed.
      try {
        umount2(p, MNT_DETACH);
      } catch {
        // not mounted
      }
      rmSync(p, { force: true });
      throw new BerthError('Internal', `creating a network namespace: ${((err as { stderr?: string }).stderr ?? (err as Error).message).trim()}`, { cause: err });
    }
    return p;
  }

  async remove(id: string): Promise<void> {
    const p = this.path(id);
    try {
      umount2(p, MNT_DETACH);
    } catch {
      // not mounted (any more)
    }
    if (existsSync(p)) rmSync(p, { force: true });
  }

  /** Runs a command inside the namespace (ip, sysctl…). */
  async exec(id: string, cmd: string, args: string[]): Promise<string> {
    const { stdout } = await execFileP('nsenter', [`--net=${this.path(id)}`, cmd, ...args]);
    return stdout;
  }
}
