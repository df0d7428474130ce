/** Platforms as `--platform` and FROM --platform name them. */
import { invalidArgument } from '../../base/errors.js';
import type { Platform } from './types.js';

/** `os/arch[/variant]`, as `--platform` and FROM --platform give it. */
export function parsePlatform(spec: string): Platform {
  const parts = spec.toLowerCase().split('/');
  if (parts.length < 1 || parts.length > 3 || parts.some((p) => p === '')) throw invalidArgument(`"${spec}": unknown operating system or architecture: invalid argument`);
  const [os, arch, variant] = parts as [string, string?, string?];
  if (!['linux', 'windows', 'darwin', 'freebsd'].includes(os)) throw invalidArgument(`"${spec}": unknown operating system or architecture: invalid argument`);
  const architecture = normalizeArch(arch ?? hostArch());
  return { os, architecture, ...(variant ? { variant } : {}) };
}

function normalizeArch(a: string): string {
  const map: Record<string, string> = { x86_64: 'amd64', 'x86-64': 'amd64', aarch64: 'arm64', armhf: 'arm', armel: 'arm', i386: '386' };
  return map[a] ?? a;
}

export function hostArch(): string {
  const map: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  return map[process.arch] ?? process.arch;
}

export function hostPlatform(): Platform {
  return { os: 'linux', architecture: hostArch() };
}
