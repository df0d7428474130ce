/**
 * Several compose files merged by the compose-spec's rules (13-merge.md): mappings merge key by
 * key, sequences append, scalars override; `command`, `entrypoint` and `healthcheck.test`
 * override; `ports`, `volumes`, `secrets` and `configs` are unique by key (an entry with the key
 * of an earlier one replaces it); `!reset` removes, `!override` replaces. Both sides are in the
 * normalized long syntax (normalize.ts).
 */
import { isDict, Override, Reset, strip, type Dict } from './markers.js';

/** Paths below a service whose value is replaced, not merged. */
const REPLACED = new Set(['command', 'entrypoint', 'healthcheck.test']);

/** The unique key of an entry of the service sequences that have one. */
const UNIQUE: Record<string, (e: Dict) => string> = {
  ports: (p) => JSON.stringify([p.host_ip ?? '', p.target, p.published ?? '', p.protocol ?? 'tcp']),
  volumes: (v) => String(v.target),
  secrets: (s) => String(s.target ?? s.source),
  configs: (c) => String(c.target ?? c.source),
};

function mergeUnique(base: unknown[], over: unknown[], key: (e: Dict) => string): unknown[] {
  const out = [...base];
  for (const e of over) {
    if (e instanceof Reset) continue;
    const k = isDict(e) ? key(e) : undefined;
    const at = k === undefined ? -1 : out.findIndex((x) => isDict(x) && key(x) === k);
    if (at >= 0) out[at] = isDict(out[at]) && isDict(e) ? { ...(out[at] as Dict), ...(strip(e) as Dict) } : strip(e);
    else out.push(strip(e));
  }
  return out;
}

/** Appends, leaving out scalars already there (compose-go de-duplicates dns, cap_add and the like). */
function append(base: unknown[], over: unknown[]): unknown[] {
  const out = [...base];
  for (const e of over) {
    if (e instanceof Reset) continue;
    if (typeof e !== 'object' && out.includes(e)) continue;
    out.push(strip(e));
  }
  return out;
}

/**
 * Merges `over` onto `base` at `path` (dotted, from the service: `ports`, `healthcheck.test`;
 * empty above services). Returns undefined for a value to remove.
 */
export function mergeValue(base: unknown, over: unknown, path: string): unknown {
  if (over instanceof Reset) return undefined;
  if (over instanceof Override) return strip(over.value);
  if (base === undefined || base === null) return strip(over);
  if (REPLACED.has(path)) return strip(over);
  if (Array.isArray(base) && Array.isArray(over)) {
    const unique = UNIQUE[path];
    return unique ? mergeUnique(base, over, unique) : append(base, over);
  }
  if (isDict(base) && isDict(over)) {
    const out: Dict = { ...base };
    for (const [k, v] of Object.entries(over)) {
      const merged = mergeValue(base[k], v, path ? `${path}.${k}` : k);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
    }
    return out;
  }
  return strip(over);
}

export function mergeService(base: Dict, over: Dict): Dict {
  return (mergeValue(base, over, '') as Dict | undefined) ?? {};
}

/** Merges whole models: services service by service, the other sections entry by entry. */
export function mergeModels(base: Dict, over: Dict): Dict {
  const out: Dict = { ...base };
  for (const [key, v] of Object.entries(over)) {
    if (key === 'services' && isDict(v)) {
      const services: Dict = { ...((base.services as Dict | undefined) ?? {}) };
      for (const [name, svc] of Object.entries(v)) {
        const merged = services[name] === undefined ? strip(svc) : mergeValue(services[name], svc, '');
        if (merged === undefined || svc instanceof Reset) delete services[name];
        else services[name] = merged;
      }
      out.services = services;
      continue;
    }
    // Above services the paths carry no special rule: a section merges as a mapping.
    const merged = mergeValue(base[key], v, `<${key}>`);
    if (merged === undefined) delete out[key];
    else out[key] = merged;
  }
  return out;
}
