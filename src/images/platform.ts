/**
 * Platforms as containerd's platforms package handles them for moby: parsing `--platform`
 * (`linux`, `arm64`, `linux/arm/v7`), normalizing architecture names, and the "Only" matcher that
 * picks a manifest list entry for this host (amd64/v4 also runs v3, v2, v1 and 386; arm64 also
 * runs arm v8 to v5), preferring the closest match.
 */
import { readFileSync } from 'node:fs';
import { invalidArgument } from '../base/errors.js';

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
  osVersion?: string;
}

const KNOWN_OS = new Set(['aix', 'android', 'darwin', 'dragonfly', 'freebsd', 'hurd', 'illumos', 'ios', 'js', 'linux', 'nacl', 'netbsd', 'openbsd', 'plan9', 'solaris', 'wasip1', 'windows', 'zos']);
const KNOWN_ARCH = new Set([
  '386', 'amd64', 'amd64p32', 'arm', 'armbe', 'arm64', 'arm64be', 'ppc64', 'ppc64le', 'loong64', 'mips', 'mipsle', 'mips64', 'mips64le',
  'mips64p32', 'mips64p32le', 'ppc', 'riscv', 'riscv64', 's390', 's390x', 'sparc', 'sparc64', 'wasm',
]);
const COMPONENT = /^[A-Za-z0-9_.-]+$/;

const bad = (specifier: string, why: string) => invalidArgument(`${JSON.stringify(specifier)}: ${why}: invalid argument`);

/** containerd's `platforms.Parse`, with its error messages. */
export function parsePlatform(specifier: string): Platform {
  if (specifier.includes('*')) throw bad(specifier, 'wildcards not yet supported');
  const parts = specifier.split('/');
  if (parts.length > 3) throw bad(specifier, 'cannot parse platform specifier');
  for (const part of parts) {
    if (!COMPONENT.test(part)) {
      throw invalidArgument(`${JSON.stringify(part)} is an invalid component of ${JSON.stringify(specifier)}: platform specifier component must match "${COMPONENT.source}": invalid argument`);
    }
  }
  const host = hostPlatform();
  if (parts.length === 1) {
    const os = normalizeOs(parts[0]!);
    if (KNOWN_OS.has(os)) return { os, architecture: host.architecture };
    const [architecture, variant] = normalizeArch(parts[0]!, '');
    if (KNOWN_ARCH.has(architecture)) return { os: host.os, architecture, ...(variant && !(architecture === 'arm' && variant === 'v7') ? { variant } : {}) };
    throw bad(specifier, 'unknown operating system or architecture');
  }
  const os = normalizeOs(parts[0]!);
  if (parts.length === 2) {
    const [architecture, variant] = normalizeArch(parts[1]!, '');
    return { os, architecture, ...(variant && !(architecture === 'arm' && variant === 'v7') ? { variant } : {}) };
  }
  const [architecture, variant] = normalizeArch(parts[1]!, parts[2]!);
  return { os, architecture, ...(variant || architecture === 'arm64' ? { variant: variant || 'v8' } : {}) };
}

function normalizeOs(os: string): string {
  const lower = os.toLowerCase();
  return lower === 'macos' ? 'darwin' : lower;
}

/** containerd's normalizeArch: `x86_64` is amd64, `aarch64` arm64, arm defaults to v7. */
export function normalizeArch(arch: string, variant: string): [string, string] {
  let a = arch.toLowerCase();
  let v = variant.toLowerCase();
  switch (a) {
    case 'i386':
      a = '386';
      v = '';
      break;
    case 'x86_64':
    case 'x86-64':
    case 'amd64':
      a = 'amd64';
      if (v === 'v1') v = '';
      break;
    case 'aarch64':
    case 'arm64':
      a = 'arm64';
      if (v === '8' || v === 'v8' || v === 'v8.0') v = '';
      else if (v === '9' || v === '9.0' || v === 'v9.0') v = 'v9';
      break;
    case 'armhf':
      a = 'arm';
      v = 'v7';
      break;
    case 'armel':
      a = 'arm';
      v = 'v6';
      break;
    case 'arm':
      if (v === '' || v === '7') v = 'v7';
      else if (v === '5' || v === '6' || v === '8') v = `v${v}`;
      break;
  }
  return [a, v];
}

export function normalizePlatform(p: Platform): Platform {
  const [architecture, variant] = normalizeArch(p.architecture, p.variant ?? '');
  return { os: normalizeOs(p.os), architecture, ...(variant ? { variant } : {}), ...(p.osVersion ? { osVersion: p.osVersion } : {}) };
}

/** `platforms.FormatAll`: `linux/arm64/v8`. */
export function formatPlatform(p: Platform): string {
  return [p.os || 'unknown', p.architecture, p.variant].filter((x) => x !== undefined && x !== '').join('/');
}

let host: Platform | undefined;

/** moby's maximumSpec: this host's OS and architecture, amd64 with its micro-architecture level. */
export function hostPlatform(): Platform {
  if (host) return host;
  const architecture = process.arch === 'x64' ? 'amd64' : process.arch === 'ia32' ? '386' : process.arch;
  host = { os: 'linux', architecture };
  if (architecture === 'amd64') {
    const level = amd64Level();
    if (level > 1) host.variant = `v${level}`;
  }
  return host;
}

/** x86-64 micro-architecture level (v1 to v4) from the CPU flags, as go-archvariant computes it. */
function amd64Level(): number {
  let flags: Set<string>;
  try {
    // Read once per process, not on any request path.
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    flags = new Set((/^flags\s*:\s*(.*)$/m.exec(info)?.[1] ?? '').split(/\s+/));
  } catch {
    return 1;
  }
  const has = (...names: string[]): boolean => names.every((n) => flags.has(n));
  if (!has('cx16', 'lahf_lm', 'popcnt', 'sse4_1', 'sse4_2', 'ssse3')) return 1;
  if (!has('avx', 'avx2', 'bmi1', 'bmi2', 'f16c', 'fma', 'movbe', 'xsave')) return 2;
  if (!has('avx512f', 'avx512bw', 'avx512cd', 'avx512dq', 'avx512vl')) return 3;
  return 4;
}

/** moby's withDefault: what a pull without `--platform` (or with only an OS) asks for. */
export function withHostDefaults(p: Partial<Platform> | undefined): Platform {
  const h = hostPlatform();
  const os = p?.os || h.os;
  if (p?.architecture) return normalizePlatform({ ...p, os, architecture: p.architecture });
  return normalizePlatform({ ...h, os });
}

/** containerd's platformVector: the platforms `p` runs, best first. */
function platformVector(p: Platform): Platform[] {
  const out: Platform[] = [p];
  const base = { os: p.os, ...(p.osVersion ? { osVersion: p.osVersion } : {}) };
  const level = Number((p.variant ?? '').replace(/^v/, ''));
  switch (p.architecture) {
    case 'amd64':
      if (Number.isInteger(level) && level > 1) for (let v = level - 1; v >= 1; v--) out.push({ ...base, architecture: 'amd64', variant: `v${v}` });
      out.push({ ...base, architecture: '386' });
      break;
    case 'arm':
      if (Number.isInteger(level) && level > 5) for (let v = level - 1; v >= 5; v--) out.push({ ...base, architecture: 'arm', variant: `v${v}` });
      break;
    case 'arm64':
      out.push(...platformVector({ ...base, architecture: 'arm', variant: 'v8' }));
      break;
  }
  return out;
}

function same(a: Platform, b: Platform): boolean {
  const x = normalizePlatform(a);
  const y = normalizePlatform(b);
  return x.os === y.os && x.architecture === y.architecture && (x.variant ?? '') === (y.variant ?? '');
}

/** `platforms.Only(p)`: matches what `p` can run; `rank` orders matches best first (lower). */
export class PlatformMatcher {
  private readonly vector: Platform[];

  constructor(readonly wanted: Platform) {
    this.vector = platformVector(normalizePlatform(wanted));
  }

  match(p: Platform): boolean {
    return this.rank(p) >= 0;
  }

  /** Index in the preference list, -1 when `p` does not run here. */
  rank(p: Platform): number {
    return this.vector.findIndex((v) => same(v, p));
  }
}

/**
 * moby's filterManifests: the entries of an index this platform runs, best first; entries without
 * a platform are kept, after the others.
 */
export function selectManifests<T extends { platform?: Platform | undefined }>(entries: T[], wanted: Platform): T[] {
  const m = new PlatformMatcher(wanted);
  const matches = entries.filter((e) => e.platform === undefined || m.match(e.platform));
  return matches
    .map((e, i) => ({ e, i, r: e.platform === undefined ? Number.MAX_SAFE_INTEGER : m.rank(e.platform) }))
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .map((x) => x.e);
}
