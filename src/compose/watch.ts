/**
 * `compose watch` (develop.watch), as Docker Compose v2 does it: host paths watched for changes;
 * after a quiet period the changes of each service are applied by the rule they fall under:
 * `sync` copies changed files into the running containers (and removes deleted ones),
 * `restart` restarts them, `sync+restart` does both, `sync+exec` runs the rule's command after
 * the sync, `rebuild` builds the image again and recreates the service.
 */
import { watch as fsWatch, type FSWatcher } from 'node:fs';
import { lstat, readFile } from 'node:fs/promises';
import { join, posix, relative, sep } from 'node:path';
import { PassThrough } from 'node:stream';
import tar from 'tar-stream';
import { PatternMatcher } from '../base/patternmatcher.js';
import { escapePath, readAll } from '../client/index.js';
import type { Engine } from './engine.js';
import type { Project } from './project.js';

export interface WatchRule {
  path: string;
  action: 'sync' | 'rebuild' | 'restart' | 'sync+restart' | 'sync+exec';
  target?: string;
  ignore?: string[];
  include?: string[];
  exec?: { command: string[] | string; user?: string; working_dir?: string };
}

/** Files compose never reacts to: its VCS directory and editors' temporary files. */
const ALWAYS_IGNORED = new PatternMatcher(['.git', '**/.git', '*~', '**/*~', '*.swp', '**/*.swp', '*.swx', '**/*.swx', '4913', '**/4913', '.#*', '**/.#*']);

export function watchRules(p: Project, service: string): WatchRule[] {
  return ((p.services[service]?.develop?.watch ?? []) as WatchRule[]).filter((r) => r.path);
}

/** The rule a changed host file falls under (the most specific path), undefined when none or ignored. */
export function ruleFor(rules: WatchRule[], file: string): WatchRule | undefined {
  let best: WatchRule | undefined;
  for (const r of rules) {
    const rel = relative(r.path, file);
    if (rel.startsWith('..') || rel.startsWith(sep)) continue;
    const slashRel = rel.split(sep).join('/');
    if (slashRel !== '' && ALWAYS_IGNORED.matches(slashRel)) continue;
    if (slashRel !== '' && r.ignore?.length && new PatternMatcher(r.ignore).matches(slashRel)) continue;
    if (slashRel !== '' && r.include?.length && !new PatternMatcher(r.include).matches(slashRel)) continue;
    if (!best || r.path.length > best.path.length) best = r;
  }
  return best;
}

/** Where a synced host file goes in the container. */
export function containerPath(rule: WatchRule, file: string): string {
  const rel = relative(rule.path, file).split(sep).join('/');
  return rel === '' ? rule.target! : posix.join(rule.target!, rel);
}

export interface WatchEvents {
  /** What compose prints as it acts (`Syncing service "web" after 2 changes were detected`). */
  log(message: string): void;
  /** Rebuilds the services' images and recreates their containers. */
  rebuild(services: string[]): Promise<void>;
}

async function tarOf(files: { host: string; container: string }[]): Promise<PassThrough> {
  const pack = tar.pack();
  const body = new PassThrough();
  pack.pipe(body);
  const dirs = new Set<string>();
  for (const f of files) {
    const parts = f.container.replace(/^\/+/, '').split('/');
    for (let i = 1; i < parts.length; i++) {
      const d = parts.slice(0, i).join('/');
      if (!dirs.has(d)) {
        dirs.add(d);
        pack.entry({ name: d, type: 'directory', mode: 0o755 });
      }
    }
    const st = await lstat(f.host);
    if (st.isDirectory()) pack.entry({ name: parts.join('/'), type: 'directory', mode: st.mode & 0o7777 });
    else if (st.isFile()) pack.entry({ name: parts.join('/'), mode: st.mode & 0o7777, mtime: st.mtime }, await readFile(f.host));
  }
  pack.finalize();
  return body;
}

async function execIn(engine: Engine, id: string, cmd: string[], o: { user?: string; workdir?: string } = {}): Promise<void> {
  const { Id } = await engine.client.json<{ Id: string }>('POST', `/containers/${escapePath(id)}/exec`, { body: { AttachStdout: true, AttachStderr: true, Cmd: cmd, User: o.user ?? '', WorkingDir: o.workdir ?? '' } });
  await readAll(await engine.client.call('POST', `/exec/${Id}/start`, { body: { Detach: false, Tty: false } }));
}

/** Applies one batch of a service's changed files. */
async function applyChanges(p: Project, engine: Engine, service: string, files: string[], ev: WatchEvents): Promise<void> {
  const rules = watchRules(p, service);
  const byRule = new Map<WatchRule, string[]>();
  for (const f of files) {
    const r = ruleFor(rules, f);
    if (r) byRule.set(r, [...(byRule.get(r) ?? []), f]);
  }
  if (byRule.size === 0) return;
  if ([...byRule.keys()].some((r) => r.action === 'rebuild')) {
    ev.log(`Rebuilding service(s) ["${service}"] after changes were detected...`);
    await ev.rebuild([service]);
    ev.log(`service(s) ["${service}"] successfully built`);
    return;
  }
  const containers = (await engine.containers(p.name, { services: [service], oneoff: false })).filter((c) => c.State === 'running');
  let restart = false;
  for (const [rule, changed] of byRule) {
    if (rule.action === 'restart') {
      restart = true;
      continue;
    }
    if (!rule.target) continue;
    ev.log(`Syncing service "${service}" after ${changed.length} changes were detected`);
    const present: { host: string; container: string }[] = [];
    const gone: string[] = [];
    for (const f of changed) {
      const exists = await lstat(f).then(
        () => true,
        () => false,
      );
      if (exists) present.push({ host: f, container: containerPath(rule, f) });
      else gone.push(containerPath(rule, f));
    }
    for (const c of containers) {
      if (present.length) (await engine.client.call('PUT', `/containers/${escapePath(c.Id)}/archive`, { query: { path: '/' }, body: await tarOf(present), headers: { 'Content-Type': 'application/x-tar' } })).resume();
      if (gone.length) await execIn(engine, c.Id, ['rm', '-rf', ...gone]);
      if (rule.action === 'sync+exec' && rule.exec) {
        const cmd = typeof rule.exec.command === 'string' ? ['/bin/sh', '-c', rule.exec.command] : rule.exec.command;
        await execIn(engine, c.Id, cmd, { user: rule.exec.user, workdir: rule.exec.working_dir });
      }
    }
    if (rule.action === 'sync+restart') restart = true;
  }
  if (restart) {
    for (const c of containers) await engine.post(c.Id, 'restart');
    ev.log(`service(s) ["${service}"] restarted`);
  }
}

/**
 * Watches the services' paths until `signal` aborts. Changes are batched per service over a
 * quiet period (compose v2 waits for the burst of an editor's save or a `git checkout` to end).
 */
export async function watchProject(p: Project, engine: Engine, services: string[], ev: WatchEvents, signal: AbortSignal, quietMs = 500): Promise<void> {
  const watchers: FSWatcher[] = [];
  const pending = new Map<string, Set<string>>();
  let timer: NodeJS.Timeout | undefined;
  let running = Promise.resolve();
  const flush = (): void => {
    const batch = new Map(pending);
    pending.clear();
    running = running.then(async () => {
      for (const [service, files] of batch) {
        try {
          await applyChanges(p, engine, service, [...files].sort(), ev);
        } catch (err) {
          ev.log(`Error applying changes to service "${service}": ${(err as Error).message}`);
        }
      }
    });
  };
  for (const service of services) {
    for (const rule of watchRules(p, service)) {
      const root = rule.path;
      const isDir = await lstat(root).then(
        (s) => s.isDirectory(),
        () => false,
      );
      const w = fsWatch(root, { recursive: isDir, signal }, (_event, name) => {
        const file = isDir && name ? join(root, name.toString()) : root;
        if (!ruleFor([rule], file)) return;
        const set = pending.get(service) ?? new Set<string>();
        set.add(file);
        pending.set(service, set);
        clearTimeout(timer);
        timer = setTimeout(flush, quietMs);
      });
      w.on('error', () => {});
      watchers.push(w);
    }
  }
  if (watchers.length === 0) throw new Error('none of the selected services is configured for watch, consider setting a \'develop\' section');
  ev.log('Watch enabled');
  await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  clearTimeout(timer);
  await running;
}
