/**
 * Which compose files a command reads, as compose v2 finds them: `-f` (repeatable), else
 * COMPOSE_FILE (split on COMPOSE_PATH_SEPARATOR, default `:`), else the first of the default
 * names in the working directory or the nearest parent holding one, with its override file.
 */
import { access } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { BerthError } from '../base/errors.js';

export const DEFAULT_NAMES = ['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml'];
const OVERRIDE_NAMES = ['compose.override.yaml', 'compose.override.yml', 'docker-compose.override.yml', 'docker-compose.override.yaml'];

async function exists(p: string): Promise<boolean> {
  return access(p).then(
    () => true,
    () => false,
  );
}

async function firstExisting(dir: string, names: string[], warn: (m: string) => void): Promise<string | undefined> {
  const found: string[] = [];
  for (const n of names) if (await exists(join(dir, n))) found.push(join(dir, n));
  if (found.length > 1) warn(`Found multiple config files with supported names: ${found.join(', ')}\nUsing ${found[0]}`);
  return found[0];
}

export async function findComposeFiles(opts: { files: string[]; cwd: string; env: Record<string, string | undefined>; warn: (m: string) => void }): Promise<string[]> {
  let files = opts.files;
  if (files.length === 0 && opts.env.COMPOSE_FILE) files = opts.env.COMPOSE_FILE.split(opts.env.COMPOSE_PATH_SEPARATOR ?? ':').filter(Boolean);
  if (files.length > 0) {
    const abs = files.map((f) => (f === '-' ? f : resolve(opts.cwd, f)));
    for (const f of abs) {
      if (f !== '-' && !(await exists(f))) throw new BerthError('NotFound', `open ${f}: no such file or directory`);
    }
    return abs;
  }
  for (let dir = resolve(opts.cwd); ; dir = dirname(dir)) {
    const main = await firstExisting(dir, DEFAULT_NAMES, opts.warn);
    if (main) {
      const override = await firstExisting(dir, OVERRIDE_NAMES, opts.warn);
      return override ? [main, override] : [main];
    }
    if (dirname(dir) === dir) break;
  }
  throw new BerthError('NotFound', 'no configuration file provided: not found');
}
