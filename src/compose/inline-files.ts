/**
 * Secrets and configs whose content is not a host file (`environment:` or `content:`): compose v2
 * copies them into the container after creating it, as a tar through PUT /containers/{id}/archive,
 * where a file-based one would be bind-mounted.
 */
import { PassThrough } from 'node:stream';
import tar from 'tar-stream';
import { BerthError } from '../base/errors.js';
import { escapePath } from '../client/index.js';
import type { Engine } from './engine.js';
import type { Project } from './project.js';
import type { Service } from './types.js';

interface InlineFile {
  path: string;
  content: string;
}

export function inlineFiles(p: Project, svc: Service): InlineFile[] {
  const out: InlineFile[] = [];
  for (const s of svc.secrets ?? []) {
    const def = p.secrets[s.source];
    if (typeof def?.environment === 'string' && p.contents.secrets[s.source] === undefined) {
      throw new BerthError('InvalidArgument', `environment variable ${JSON.stringify(def.environment)} required by secret ${JSON.stringify(s.source)} is not set`);
    }
    const content = p.contents.secrets[s.source];
    if (content !== undefined) out.push({ path: s.target?.startsWith('/') ? s.target : `/run/secrets/${s.target ?? s.source}`, content });
  }
  for (const c of svc.configs ?? []) {
    const content = p.contents.configs[c.source];
    if (content !== undefined) out.push({ path: c.target ?? `/${c.source}`, content });
  }
  return out;
}

/** Copies the service's inline secrets and configs into a created (not yet started) container. */
export async function copyInlineFiles(engine: Engine, p: Project, svc: Service, containerId: string): Promise<void> {
  const files = inlineFiles(p, svc);
  if (files.length === 0) return;
  const pack = tar.pack();
  const body = new PassThrough();
  pack.pipe(body);
  const dirs = new Set<string>();
  for (const f of files) {
    const parts = f.path.replace(/^\/+/, '').split('/');
    for (let i = 1; i < parts.length; i++) {
      const d = parts.slice(0, i).join('/');
      if (dirs.has(d)) continue;
      dirs.add(d);
      pack.entry({ name: d, type: 'directory', mode: 0o755 });
    }
    pack.entry({ name: parts.join('/'), mode: 0o444 }, f.content);
  }
  pack.finalize();
  const res = await engine.client.call('PUT', `/containers/${escapePath(containerId)}/archive`, { query: { path: '/' }, body, headers: { 'Content-Type': 'application/x-tar' } });
  res.resume();
}
