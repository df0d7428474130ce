/**
 * Docker's `local` volume driver: a directory, or, with `type`/`device`/`o` options, whatever
 * mount(8) makes of them (a tmpfs, a bind of a host directory, an NFS export…), mounted over
 * the volume's `_data` while at least one container uses it.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { BerthError, invalidArgument } from '../base/errors.js';
import { mounted } from '../base/mountinfo.js';

const execFileP = promisify(execFile);

const VALID_OPTS = ['type', 'o', 'device', 'size'];
/** An option that needs others (moby's mandatoryOpts). */
const REQUIRED_WITH: Record<string, string[]> = { device: ['type'], type: ['device'], o: ['device'] };

/** moby's validateOpts: unknown keys and incomplete mount options are refused at create. */
export function validateLocalOptions(opts: Record<string, string>): void {
  for (const k of Object.keys(opts)) if (!VALID_OPTS.includes(k)) throw invalidArgument(`invalid option: "${k}"`);
  for (const [k, needs] of Object.entries(REQUIRED_WITH)) {
    if (!(k in opts)) continue;
    for (const n of needs) if (!(n in opts)) throw invalidArgument(`missing required option: "${n}"`);
  }
  // Quotas need an XFS or ext4 project-quota backing filesystem, which berth does not set up.
  if ('size' in opts) throw invalidArgument('quota size requested but no quota support');
}

export function needsMount(opts: Record<string, string>): boolean {
  return 'device' in opts;
}

/** Mounts the volume's device over `target`, unless it is mounted already. */
export async function mountLocal(opts: Record<string, string>, target: string): Promise<void> {
  if (await mounted(target)) return;
  const args = ['-t', opts.type!, ...(opts.o ? ['-o', opts.o] : []), opts.device!, target];
  try {
    await execFileP('mount', args);
  } catch (err) {
    const why = ((err as { stderr?: string }).stderr ?? (err as Error).message).trim().replace(/^mount: /, '');
    throw new BerthError('Internal', `error while mounting volume '${target}': failed to mount local volume: ${why}`, { cause: err });
  }
}

export async function unmountLocal(target: string): Promise<void> {
  if (!(await mounted(target))) return;
  try {
    await execFileP('umount', [target]);
  } catch {
    // Busy (a process outside berth holds it): detach it, as nothing of ours uses it any more.
    await execFileP('umount', ['-l', target]).catch(() => {});
  }
}
