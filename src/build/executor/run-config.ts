/**
 * The classic builder's run config: copies, the `#(nop)` comments that describe metadata steps,
 * shell-form command lines, and the cache comparison (moby's builder/dockerfile/internals.go and
 * image/cache/compare.go).
 */
import { goQuote, goQuoteList } from '../dockerfile/go-quote.js';
import type { HealthConfig } from '../dockerfile/instructions/types.js';
import type { HealthcheckJson, RunConfig } from './types.js';

export const DEFAULT_SHELL = ['/bin/sh', '-c'];
/** oci.DefaultPathEnv("linux"): added to a stage's Env when its base sets no PATH. */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** A deep copy (moby's copyRunConfig); nil slices and maps stay nil. */
export function copyRunConfig(c: RunConfig, changes: Partial<RunConfig> = {}): RunConfig {
  const out: RunConfig = structuredClone(c);
  return Object.assign(out, structuredClone(changes));
}

/**
 * The config as Go marshals container.Config: every field in declaration order, `omitempty` ones
 * only when set. What the image config stores for `config` and `container_config`.
 */
export function fullRunConfig(c: RunConfig): RunConfig {
  const out: RunConfig = {
    Hostname: c.Hostname ?? '',
    Domainname: c.Domainname ?? '',
    User: c.User ?? '',
    AttachStdin: c.AttachStdin ?? false,
    AttachStdout: c.AttachStdout ?? false,
    AttachStderr: c.AttachStderr ?? false,
  };
  if (c.ExposedPorts && Object.keys(c.ExposedPorts).length > 0) out.ExposedPorts = c.ExposedPorts;
  out.Tty = c.Tty ?? false;
  out.OpenStdin = c.OpenStdin ?? false;
  out.StdinOnce = c.StdinOnce ?? false;
  out.Env = c.Env ?? null;
  out.Cmd = c.Cmd ?? null;
  if (c.Healthcheck) out.Healthcheck = c.Healthcheck;
  if (c.ArgsEscaped) out.ArgsEscaped = true;
  out.Image = c.Image ?? '';
  out.Volumes = c.Volumes ?? null;
  out.WorkingDir = c.WorkingDir ?? '';
  out.Entrypoint = c.Entrypoint ?? null;
  if (c.NetworkDisabled) out.NetworkDisabled = true;
  out.OnBuild = c.OnBuild ?? null;
  out.Labels = c.Labels ?? null;
  if (c.StopSignal) out.StopSignal = c.StopSignal;
  if (c.StopTimeout !== undefined && c.StopTimeout !== null) out.StopTimeout = c.StopTimeout;
  if (c.Shell && c.Shell.length > 0) out.Shell = c.Shell;
  return out;
}

export function shellOf(c: RunConfig): string[] {
  return c.Shell && c.Shell.length > 0 ? [...c.Shell] : [...DEFAULT_SHELL];
}

/** Metadata steps: `[shell…, "#(nop) ", comment]` (moby's withCmdComment). */
export function withCmdComment(c: RunConfig, comment: string): RunConfig {
  return copyRunConfig(c, { Cmd: [...shellOf(c), '#(nop) ', comment] });
}

/** WORKDIR, COPY and ADD: `[shell…, "#(nop) " + comment]` (moby's withCmdCommentString). */
export function withCmdCommentString(c: RunConfig, comment: string): RunConfig {
  return copyRunConfig(c, { Cmd: [...shellOf(c), `#(nop) ${comment}`] });
}

/** A RUN/CMD/ENTRYPOINT command line: exec form as is, shell form behind the SHELL; null when empty. */
export function resolveCmdLine(cmdLine: readonly string[], prependShell: boolean, c: RunConfig): string[] | null {
  if (cmdLine.length === 0) return null;
  return prependShell ? [...shellOf(c), ...cmdLine] : [...cmdLine];
}

/** Docker's image config form of a HEALTHCHECK (zero durations left out). */
export function healthToJson(h: HealthConfig): HealthcheckJson {
  const out: HealthcheckJson = { Test: [...h.test] };
  if (h.interval) out.Interval = h.interval;
  if (h.timeout) out.Timeout = h.timeout;
  if (h.startPeriod) out.StartPeriod = h.startPeriod;
  if (h.startInterval) out.StartInterval = h.startInterval;
  if (h.retries) out.Retries = h.retries;
  return out;
}

/** `HEALTHCHECK %q` of moby's *HealthConfig: `&{["CMD-SHELL" "x"] "30s" "0s" "0s" "0s" '\x03'}`. */
export function healthComment(h: HealthcheckJson): string {
  const d = (ns: number | undefined): string => goQuote(goDuration(ns ?? 0));
  return `HEALTHCHECK &{${goQuoteList(h.Test ?? [])} ${d(h.Interval)} ${d(h.Timeout)} ${d(h.StartPeriod)} ${d(h.StartInterval)} ${goQuoteRune(h.Retries ?? 0)}}`;
}

/** Go's time.Duration.String(). */
export function goDuration(ns: number): string {
  if (ns === 0) return '0s';
  const neg = ns < 0;
  let u = Math.abs(ns);
  if (u < 1e9) {
    const [unit, div] = u < 1e3 ? ['ns', 1] : u < 1e6 ? ['µs', 1e3] : ['ms', 1e6];
    return `${neg ? '-' : ''}${trimFraction(u / div)}${unit}`;
  }
  const h = Math.floor(u / 3.6e12);
  u -= h * 3.6e12;
  const m = Math.floor(u / 6e10);
  u -= m * 6e10;
  const s = trimFraction(u / 1e9);
  let out = `${s}s`;
  if (h > 0) out = `${h}h${m}m${out}`;
  else if (m > 0) out = `${m}m${out}`;
  return (neg ? '-' : '') + out;
}

function trimFraction(n: number): string {
  return Number(n.toFixed(9)).toString();
}

/** Go's `%q` of an integer: a quoted character literal. */
function goQuoteRune(n: number): string {
  const named: Record<number, string> = { 7: '\\a', 8: '\\b', 12: '\\f', 10: '\\n', 13: '\\r', 9: '\\t', 11: '\\v', 39: "\\'", 92: '\\\\' };
  if (named[n] !== undefined) return `'${named[n]}'`;
  if (n >= 0x20 && n < 0x7f) return `'${String.fromCharCode(n)}'`;
  if (n < 0x80) return `'\\x${n.toString(16).padStart(2, '0')}'`;
  return `'${String.fromCodePoint(n)}'`;
}

/** `%v` of a []string: `[a b]`. */
export function goList(list: readonly string[]): string {
  return `[${list.join(' ')}]`;
}

/**
 * moby's image/cache compare: two configs describe the same step. Container-specific fields
 * (Image, Hostname, Domainname) do not count.
 */
export function sameStepConfig(a: RunConfig, b: RunConfig): boolean {
  const lists: (keyof RunConfig)[] = ['Env', 'Cmd', 'Entrypoint', 'Shell', 'OnBuild'];
  for (const k of lists) if (!sameList(a[k] as string[] | null | undefined, b[k] as string[] | null | undefined)) return false;
  if (!sameKeys(a.ExposedPorts, b.ExposedPorts) || !sameKeys(a.Volumes, b.Volumes)) return false;
  const la = a.Labels ?? {};
  const lb = b.Labels ?? {};
  if (Object.keys(la).length !== Object.keys(lb).length) return false;
  for (const [k, v] of Object.entries(la)) if (lb[k] !== v) return false;
  const flags: (keyof RunConfig)[] = ['AttachStdin', 'AttachStdout', 'AttachStderr', 'NetworkDisabled', 'Tty', 'OpenStdin', 'StdinOnce', 'ArgsEscaped'];
  for (const k of flags) if (Boolean(a[k]) !== Boolean(b[k])) return false;
  if ((a.User ?? '') !== (b.User ?? '') || (a.WorkingDir ?? '') !== (b.WorkingDir ?? '') || (a.StopSignal ?? '') !== (b.StopSignal ?? '')) return false;
  if ((a.StopTimeout ?? null) !== (b.StopTimeout ?? null)) return false;
  return sameHealth(a.Healthcheck ?? null, b.Healthcheck ?? null);
}

function sameList(a: readonly string[] | null | undefined, b: readonly string[] | null | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

function sameKeys(a: Record<string, unknown> | null | undefined, b: Record<string, unknown> | null | undefined): boolean {
  const x = Object.keys(a ?? {});
  const y = new Set(Object.keys(b ?? {}));
  return x.length === y.size && x.every((k) => y.has(k));
}

function sameHealth(a: HealthcheckJson | null, b: HealthcheckJson | null): boolean {
  if (a === null || b === null) return a === b;
  const nums: (keyof HealthcheckJson)[] = ['Interval', 'StartInterval', 'StartPeriod', 'Timeout', 'Retries'];
  return nums.every((k) => (a[k] ?? 0) === (b[k] ?? 0)) && sameList(a.Test, b.Test);
}

/** moby's convertKVStringsToMap then lookup: whether Env sets `key`. */
export function envHas(env: readonly string[] | null | undefined, key: string): boolean {
  return (env ?? []).some((e) => e.split('=', 1)[0] === key);
}
