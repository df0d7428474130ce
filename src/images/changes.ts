import { parseDuration } from '../base/duration.js';
import { invalidArgument } from '../base/errors.js';
import type { ContainerConfigJson } from './types.js';

const ALLOWED = new Set(['CMD', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'HEALTHCHECK', 'ONBUILD', 'LABEL', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR']);

/**
 * Applies `--change` instructions (import, commit) to a container config, as Docker does:
 * Dockerfile syntax, one instruction per change, only the instructions that set metadata.
 */
export function applyChanges(base: ContainerConfigJson, changes: string[]): ContainerConfigJson {
  const cfg: ContainerConfigJson = structuredClone(base);
  for (const raw of changes) {
    const line = raw.trim();
    if (!line) continue;
    const m = /^(\S+)\s*(.*)$/s.exec(line);
    const word = (m?.[1] ?? '').toUpperCase();
    const rest = (m?.[2] ?? '').trim();
    if (!ALLOWED.has(word)) {
      if (/^[A-Za-z]+$/.test(word) && KNOWN.has(word)) throw invalidArgument(`${word.toLowerCase()} is not a valid change command`);
      throw invalidArgument(`dockerfile parse error on line 1: unknown instruction: ${m?.[1] ?? raw}`);
    }
    switch (word) {
      case 'CMD':
        cfg.Cmd = execOrShell(rest);
        break;
      case 'ENTRYPOINT':
        cfg.Entrypoint = execOrShell(rest);
        break;
      case 'ENV':
        cfg.Env = mergeEnv(cfg.Env ?? [], keyValues(rest, 'ENV'));
        break;
      case 'LABEL':
        cfg.Labels = { ...(cfg.Labels ?? {}), ...Object.fromEntries(keyValues(rest, 'LABEL')) };
        break;
      case 'EXPOSE':
        cfg.ExposedPorts = { ...(cfg.ExposedPorts ?? {}) };
        for (const p of rest.split(/\s+/).filter(Boolean)) cfg.ExposedPorts[portKey(p)] = {};
        break;
      case 'VOLUME': {
        const vols = rest.startsWith('[') ? jsonArray(rest, 'VOLUME') : rest.split(/\s+/).filter(Boolean);
        cfg.Volumes = { ...(cfg.Volumes ?? {}) };
        for (const v of vols) cfg.Volumes[v] = {};
        break;
      }
      case 'USER':
        cfg.User = rest;
        break;
      case 'WORKDIR':
        cfg.WorkingDir = rest.startsWith('/') ? rest : `${cfg.WorkingDir || '/'}${(cfg.WorkingDir ?? '/').endsWith('/') ? '' : '/'}${rest}`;
        break;
      case 'STOPSIGNAL':
        cfg.StopSignal = rest;
        break;
      case 'ONBUILD':
        cfg.OnBuild = [...(cfg.OnBuild ?? []), rest];
        break;
      case 'HEALTHCHECK':
        cfg.Healthcheck = healthcheck(rest);
        break;
    }
  }
  return cfg;
}

const KNOWN = new Set(['FROM', 'RUN', 'ADD', 'COPY', 'ARG', 'SHELL', 'MAINTAINER']);

const HEALTH_FLAGS: Record<string, string> = { interval: 'Interval', timeout: 'Timeout', 'start-period': 'StartPeriod', 'start-interval': 'StartInterval', retries: 'Retries' };

/**
 * `HEALTHCHECK [--interval=…] [--timeout=…] [--start-period=…] [--start-interval=…] [--retries=…]
 * CMD …` or `HEALTHCHECK NONE`, as buildkit parses it (instructions/parse.go `parseHealthcheck`).
 */
function healthcheck(rest: string): Record<string, unknown> {
  const flags = new Map<string, string>();
  let line = rest;
  for (let m; (m = /^--(\S*)\s*/.exec(line)); ) {
    line = line.slice(m[0].length);
    const [name = '', value] = splitOnce(m[1]!, '=');
    if (name === '') break;
    if (!(name in HEALTH_FLAGS)) throw invalidArgument(`unknown flag: --${name}`);
    if (flags.has(name)) throw invalidArgument(`duplicate flag specified: --${name}`);
    if (value === undefined) throw invalidArgument(`missing a value on flag: --${name}`);
    flags.set(name, value.replace(/^(["'])(.*)\1$/, '$2'));
  }
  const m = /^(\S*)\s*(.*)$/s.exec(line.trim())!;
  const type = m[1]!.toUpperCase();
  const args = m[2]!.trim();
  if (!type) throw invalidArgument('HEALTHCHECK requires at least one argument');
  if (type === 'NONE') {
    if (args) throw invalidArgument('HEALTHCHECK NONE takes no arguments');
    return { Test: ['NONE'] };
  }
  if (type !== 'CMD') throw invalidArgument(`Unknown type ${JSON.stringify(type)} in HEALTHCHECK (try CMD)`);
  const json = args.startsWith('[') ? tryJsonArray(args) : undefined;
  const test = json ? ['CMD', ...json] : args ? ['CMD-SHELL', args] : [];
  if (test.length < 2) throw invalidArgument('Missing command after HEALTHCHECK CMD');
  const out: Record<string, unknown> = { Test: test };
  for (const [flag, value] of flags) {
    if (value === '') continue;
    if (flag === 'retries') {
      if (!/^[+-]?\d+$/.test(value)) throw invalidArgument(`strconv.ParseInt: parsing ${JSON.stringify(value)}: invalid syntax`);
      const n = Number(value);
      if (n < 0) throw invalidArgument(`--retries cannot be negative (${n})`);
      if (n) out.Retries = n;
      continue;
    }
    const ns = parseDuration(value);
    if (ns !== 0 && ns < 1_000_000) throw invalidArgument(`Interval "${flag}" cannot be less than 1ms`);
    if (ns) out[HEALTH_FLAGS[flag]!] = ns;
  }
  return out;
}

function splitOnce(s: string, sep: string): [string, string | undefined] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}

function tryJsonArray(text: string): string[] | undefined {
  try {
    const v: unknown = JSON.parse(text);
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  } catch {
    // Not JSON: shell form.
  }
  return undefined;
}

function execOrShell(rest: string): string[] {
  if (rest.startsWith('[')) {
    try {
      const v: unknown = JSON.parse(rest);
      if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
    } catch {
      // Not JSON: Docker then treats the text as shell form.
    }
  }
  return ['/bin/sh', '-c', rest];
}

function jsonArray(rest: string, word: string): string[] {
  try {
    const v: unknown = JSON.parse(rest);
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  } catch {
    // fall through
  }
  throw invalidArgument(`${word} requires a JSON array of strings`);
}

/** `K=V K2="v 2"` or the legacy `K V` form. */
function keyValues(rest: string, word: string): [string, string][] {
  if (!rest) throw invalidArgument(`${word} requires at least one argument`);
  if (!rest.includes('=')) {
    const sp = rest.search(/\s/);
    if (sp < 0) throw invalidArgument(`${word} must have two arguments`);
    return [[rest.slice(0, sp), rest.slice(sp).trim()]];
  }
  const out: [string, string][] = [];
  const re = /([^\s=]+)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(rest))) {
    let v = m[2] ?? '';
    if (v.startsWith('"')) v = v.slice(1, -1).replace(/\\(.)/g, '$1');
    else if (v.startsWith("'")) v = v.slice(1, -1);
    out.push([m[1]!, v]);
  }
  if (out.length === 0) throw invalidArgument(`${word} names can not be blank`);
  return out;
}

function mergeEnv(env: string[], pairs: [string, string][]): string[] {
  const out = [...env];
  for (const [k, v] of pairs) {
    const i = out.findIndex((e) => e.split('=')[0] === k);
    if (i >= 0) out[i] = `${k}=${v}`;
    else out.push(`${k}=${v}`);
  }
  return out;
}

function portKey(p: string): string {
  if (!/^\d+(-\d+)?(\/(tcp|udp|sctp))?$/i.test(p)) throw invalidArgument(`invalid containerPort: ${p}`);
  return p.includes('/') ? p.toLowerCase() : `${p}/tcp`;
}
