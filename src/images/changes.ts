import { invalidArgument } from '../base/errors.js';
import type { ContainerConfigJson } from './types.js';

const ALLOWED = new Set(['CMD', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'ONBUILD', 'LABEL', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR']);

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
    }
  }
  return cfg;
}

const KNOWN = new Set(['FROM', 'RUN', 'ADD', 'COPY', 'ARG', 'HEALTHCHECK', 'SHELL', 'MAINTAINER']);

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
