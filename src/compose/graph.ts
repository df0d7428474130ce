/** The services' `depends_on` graph: start order, and the cycle compose refuses, named. */
import { BerthError } from '../base/errors.js';

interface HasDeps {
  depends_on?: Record<string, unknown>;
}

/**
 * Service names with every dependency before its dependents (ties in name order).
 * @throws BerthError InvalidArgument `dependency cycle detected: a -> b -> a`
 */
export function dependencyOrder(services: Record<string, HasDeps>): string[] {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]): void => {
    const s = state.get(name);
    if (s === 'done') return;
    if (s === 'visiting') {
      const cycle = [...path.slice(path.indexOf(name)), name];
      throw new BerthError('InvalidArgument', `dependency cycle detected: ${cycle.join(' -> ')}`);
    }
    state.set(name, 'visiting');
    for (const dep of Object.keys(services[name]?.depends_on ?? {}).sort()) if (services[dep]) visit(dep, [...path, name]);
    state.set(name, 'done');
    order.push(name);
  };
  for (const name of Object.keys(services).sort()) visit(name, []);
  return order;
}

/** The services `names` need, transitively, with them (for `up svc`, `run svc`). */
export function withDependencies(services: Record<string, HasDeps>, names: string[]): string[] {
  const out = new Set<string>();
  const add = (n: string): void => {
    if (out.has(n) || !services[n]) return;
    out.add(n);
    for (const d of Object.keys(services[n].depends_on ?? {})) add(d);
  };
  for (const n of names) add(n);
  return [...out];
}

/**
 * Runs `fn` for each of `names`, each once the services it depends on (among `names`) are
 * done, independent ones concurrently, as compose v2 walks its graph. The first failure is
 * thrown after every started task settles (what was already started is left as it is).
 */
export async function inDependencyOrder(services: Record<string, HasDeps>, names: string[], fn: (name: string) => Promise<void>, reverse = false): Promise<void> {
  const set = new Set(names);
  const tasks = new Map<string, Promise<void>>();
  const dependents = (n: string): string[] => names.filter((m) => Object.keys(services[m]?.depends_on ?? {}).includes(n));
  const waitFor = (n: string): string[] => (reverse ? dependents(n) : Object.keys(services[n]?.depends_on ?? {}).filter((d) => set.has(d)));
  const run = (n: string): Promise<void> => {
    let t = tasks.get(n);
    if (!t) {
      t = Promise.all(waitFor(n).map(run)).then(() => fn(n));
      tasks.set(n, t);
    }
    return t;
  };
  const results = await Promise.allSettled(names.map(run));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
