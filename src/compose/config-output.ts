/**
 * `compose config`: the normalized model printed as compose v2 prints it: YAML (or JSON) with the
 * top-level sections in compose-go's Project order, services and map keys sorted, the fields
 * of ports, volumes, healthcheck and build in compose-go's struct order, durations as Go prints them.
 */
import { stringify } from 'yaml';
import { goDuration, parseDuration } from '../base/duration.js';
import { isDict, type Dict } from './markers.js';
import type { Project } from './project.js';

const TOP = ['name', 'services', 'networks', 'volumes', 'secrets', 'configs'];
const STRUCT_ORDER: Record<string, string[]> = {
  ports: ['name', 'mode', 'host_ip', 'target', 'published', 'protocol', 'app_protocol'],
  volumes: ['type', 'source', 'target', 'read_only', 'consistency', 'bind', 'volume', 'tmpfs', 'image'],
  healthcheck: ['test', 'timeout', 'interval', 'retries', 'start_period', 'start_interval', 'disable'],
  build: ['context', 'dockerfile', 'dockerfile_inline', 'args', 'ssh', 'labels', 'cache_from', 'cache_to', 'no_cache', 'additional_contexts', 'pull', 'extra_hosts', 'network', 'target', 'secrets', 'tags'],
  depends_on: ['condition', 'restart', 'required'],
};
const DURATIONS = new Set(['interval', 'timeout', 'start_period', 'start_interval', 'stop_grace_period']);

function ordered(d: Dict, order: string[] | undefined): Dict {
  const keys = Object.keys(d).sort();
  if (order) keys.sort((a, b) => (order.indexOf(a) + 1 || 999) - (order.indexOf(b) + 1 || 999));
  const out: Dict = {};
  for (const k of keys) out[k] = d[k];
  return out;
}

function duration(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  try {
    return goDuration(parseDuration(v));
  } catch {
    return v;
  }
}

/** Sorts keys recursively; `field` is the key the value sits under (for struct orders). */
function shape(v: unknown, field: string): unknown {
  if (Array.isArray(v)) return v.map((x) => shape(x, field));
  if (!isDict(v)) return DURATIONS.has(field) ? duration(v) : v;
  const order = STRUCT_ORDER[field];
  const out: Dict = {};
  for (const [k, x] of Object.entries(ordered(v, order))) {
    // depends_on and networks are maps of structs: the struct order applies one level down.
    const childField = field === 'depends_on' ? 'depends_on' : k;
    out[k] = field === 'depends_on' && isDict(x) ? ordered(x, STRUCT_ORDER.depends_on) : shape(x, childField);
  }
  return out;
}

export function configModel(p: Project): Dict {
  const out: Dict = {};
  for (const k of [...TOP, ...Object.keys(p.model).filter((k) => !TOP.includes(k)).sort()]) {
    if (p.model[k] === undefined) continue;
    out[k] = k === 'name' ? p.model[k] : shape(p.model[k], k === 'services' ? '' : k);
  }
  return out;
}

export function configYaml(p: Project): string {
  return stringify(configModel(p), { indent: 2, lineWidth: 0, indentSeq: true, aliasDuplicateObjects: false });
}

export function configJson(p: Project): string {
  return JSON.stringify(configModel(p), null, 2) + '\n';
}
