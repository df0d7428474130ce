import { existsSync } from 'node:fs';

/** cgroup v2 has cgroup.controllers at the root; v1 with /sys/fs/cgroup/unified is "hybrid". */
export function detectCgroups(root = '/sys/fs/cgroup'): { version: '1' | '2'; hybrid: boolean } {
  if (existsSync(`${root}/cgroup.controllers`)) return { version: '2', hybrid: false };
  return { version: '1', hybrid: existsSync(`${root}/unified/cgroup.controllers`) };
}

/** Why a runtime cannot run containers on this host, or undefined if it can. */
export function runtimeUnsupported(name: string, cgroups = detectCgroups()): string | undefined {
  if (name === 'crun' && cgroups.hybrid) {
    return 'runtime "crun" cannot run containers on this host: its cgroups are hybrid (v1 with a v2 mount), which crun 1.8 refuses ("cgroups in hybrid mode not supported"); use --runtime runc';
  }
  return undefined;
}
