/**
 * Loads a compose project: the files found (files.ts), each parsed, interpolated, validated
 * against the compose-spec schema, normalized, its `extends` and `include` resolved, then merged
 * in order; the project name picked; profiles applied; the result finalized (project.ts).
 */
import { access, readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { BerthError, isErrno } from '../base/errors.js';
import { parseDotenv } from './dotenv.js';
import { findComposeFiles } from './files.js';
import { interpolate, mapLookup, type Lookup } from './interpolate.js';
import { isDict, strip, type Dict } from './markers.js';
import { mergeModels, mergeService } from './merge.js';
import { normalizeModel, normalizeService } from './normalize.js';
import { finalize, type Project } from './project.js';
import { validateModel } from './validate.js';
import { parseYaml } from './yaml-file.js';

export interface LoadOptions {
  /** `-f` files, in order. */
  files?: string[];
  projectName?: string;
  projectDirectory?: string;
  /** `--env-file`; default `.env` in the project directory. */
  envFiles?: string[];
  /** `--profile`; default COMPOSE_PROFILES. */
  profiles?: string[];
  /** Services a command names: enabled whatever their profiles. */
  services?: string[];
  env?: Record<string, string | undefined>;
  cwd?: string;
  warn?: (message: string) => void;
  /** Read from `-f -`. */
  stdin?: () => Promise<string>;
  /** False: variables stay as written (`config --no-interpolate`). */
  interpolate?: boolean;
}

interface FileContext {
  env: Lookup;
  warn: (m: string) => void;
  stdin: (() => Promise<string>) | undefined;
  /** Files being loaded through include/extends, to refuse cycles. */
  stack: string[];
  /** False for `config --no-interpolate`. */
  interpolate: boolean;
}

const invalid = (m: string): BerthError => new BerthError('InvalidArgument', m);

async function readText(file: string, ctx: FileContext): Promise<string> {
  if (file === '-') {
    if (!ctx.stdin) throw invalid('cannot read a compose file from stdin here');
    return ctx.stdin();
  }
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) throw new BerthError('NotFound', `open ${file}: no such file or directory`);
    throw err;
  }
}

/** One file as a normalized model, its relative paths against `dir`; `extends` and `include` resolved. */
async function loadFile(file: string, dir: string, ctx: FileContext): Promise<Dict> {
  if (ctx.stack.includes(file)) throw invalid(`include cycle detected: ${[...ctx.stack, file].join(' -> ')}`);
  const parsed = parseYaml(await readText(file, ctx), file);
  if (parsed === null || parsed === undefined) throw invalid(`${file}: empty compose file`);
  if (!isDict(parsed)) throw invalid(`validating ${file}: top-level object must be a mapping`);
  if (parsed.version !== undefined) {
    ctx.warn(`${file}: the attribute \`version\` is obsolete, it will be ignored, please remove it to avoid potential confusion`);
  }
  const interpolated = (ctx.interpolate ? interpolate(parsed, '', ctx.env) : parsed) as Dict;
  delete interpolated.version;
  validateModel(strip(interpolated), file);
  let model = normalizeModel(interpolated, dir);
  const sub = { ...ctx, stack: [...ctx.stack, file] };
  model = await resolveExtends(model, file, dir, sub);
  if (Array.isArray(model.include)) model = await applyIncludes(model, dir, sub);
  delete model.include;
  return model;
}

async function resolveExtends(model: Dict, file: string, dir: string, ctx: FileContext): Promise<Dict> {
  const services = model.services as Dict;
  const done = new Map<string, Dict>();
  const otherFiles = new Map<string, Dict>();
  const resolveOne = async (name: string, chain: string[]): Promise<Dict> => {
    const cached = done.get(name);
    if (cached) return cached;
    if (chain.includes(name)) throw invalid(`circular reference with extends: ${[...chain, name].join(' -> ')}`);
    const svc = services[name];
    if (!isDict(svc)) throw invalid(`cannot extend service "${name}" in ${file}: service not found`);
    if (svc.extends === undefined) return svc;
    const ext = (typeof svc.extends === 'string' ? { service: svc.extends } : svc.extends) as { service: string; file?: string };
    let base: Dict;
    if (ext.file !== undefined) {
      const other = resolve(dir, ext.file);
      let m = otherFiles.get(other);
      if (!m) {
        m = await loadFile(other, dirname(other), ctx);
        otherFiles.set(other, m);
      }
      const found = (m.services as Dict)[ext.service];
      if (!isDict(found)) throw invalid(`cannot extend service "${name}" in ${file}: service "${ext.service}" not found in ${other}`);
      base = found;
    } else base = await resolveOne(ext.service, [...chain, name]);
    const own = { ...svc };
    delete own.extends;
    const merged = mergeService(normalizeService(strip(base) as Dict, dir), own);
    done.set(name, merged);
    return merged;
  };
  const out: Dict = {};
  // A `!reset` service (an override file removing it) has nothing to extend.
  for (const [name, svc] of Object.entries(services)) out[name] = isDict(svc) ? await resolveOne(name, []) : svc;
  return { ...model, services: out };
}

async function applyIncludes(model: Dict, dir: string, ctx: FileContext): Promise<Dict> {
  let out = { ...model };
  for (const item of model.include as unknown[]) {
    const inc = (typeof item === 'string' ? { path: item } : item) as { path: string | string[]; project_directory?: string; env_file?: string | string[] };
    const paths = (Array.isArray(inc.path) ? inc.path : [inc.path]).map((p) => resolve(dir, p));
    const incDir = inc.project_directory ? resolve(dir, inc.project_directory) : dirname(paths[0]!);
    let env = ctx.env;
    const envFiles = inc.env_file === undefined ? [] : (Array.isArray(inc.env_file) ? inc.env_file : [inc.env_file]).map((p) => resolve(dir, p));
    if (envFiles.length) env = await chainEnv(envFiles, ctx.env, true);
    let included: Dict = {};
    for (const p of paths) included = mergeModels(included, await loadFile(p, incDir, { ...ctx, env }));
    for (const section of ['services', 'networks', 'volumes', 'secrets', 'configs']) {
      const mine = (out[section] as Dict | undefined) ?? {};
      const theirs = (included[section] as Dict | undefined) ?? {};
      for (const name of Object.keys(theirs)) {
        if (name in mine) throw invalid(`${section}.${name} conflicts with imported resource`);
      }
      if (Object.keys(theirs).length) out = { ...out, [section]: { ...mine, ...theirs } };
    }
  }
  return out;
}

/** Variables of env files under those of `base` (the shell's win over a file's). */
async function chainEnv(files: string[], base: Lookup, required: boolean): Promise<Lookup> {
  const vars: Record<string, string> = {};
  for (const f of files) {
    let text: string;
    try {
      text = await readFile(f, 'utf8');
    } catch (err) {
      if (isErrno(err, 'ENOENT') && !required) continue;
      if (isErrno(err, 'ENOENT')) throw new BerthError('NotFound', `couldn't find env file: ${f}`);
      throw err;
    }
    Object.assign(vars, parseDotenv(text, f, (k) => base.get(k) ?? vars[k]));
  }
  return { get: (k) => base.get(k) ?? vars[k], warnUnset: (k) => base.warnUnset(k) };
}

const PROJECT_NAME = /^[a-z0-9][a-z0-9_-]*$/;

/** A directory's name as a project name: lower-cased, other characters than [a-z0-9_-] dropped. */
export function normalizeProjectName(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9_-]/g, '').replace(/^[_-]+/, '');
}

function checkProjectName(name: string): string {
  if (!PROJECT_NAME.test(name)) throw invalid(`invalid project name ${JSON.stringify(name)}: must consist only of lowercase alphanumeric characters, hyphens, and underscores as well as start with a letter or number`);
  return name;
}

export async function loadProject(opts: LoadOptions = {}): Promise<Project> {
  const processEnv = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const warn = opts.warn ?? ((m: string) => process.stderr.write(`WARN[0000] ${m}\n`));
  // .env sits in the project directory, which the files decide unless given: read the env
  // files of an explicit directory (or the working one) first, as COMPOSE_FILE may come from it.
  const shell = mapLookup(processEnv, warn);
  const envFor = async (dir: string): Promise<Lookup> => (opts.envFiles?.length ? chainEnv(opts.envFiles.map((f) => resolve(cwd, f)), shell, true) : chainEnv([resolve(dir, '.env')], shell, false));
  let env = await envFor(opts.projectDirectory ? resolve(cwd, opts.projectDirectory) : cwd);
  const composeEnv: Record<string, string | undefined> = { COMPOSE_FILE: env.get('COMPOSE_FILE'), COMPOSE_PATH_SEPARATOR: env.get('COMPOSE_PATH_SEPARATOR') };
  // Without -f, compose looks in the project directory when one is given.
  const files = await findComposeFiles({ files: opts.files ?? [], cwd: opts.files?.length || !opts.projectDirectory ? cwd : resolve(cwd, opts.projectDirectory), env: composeEnv, warn });
  const workingDir = opts.projectDirectory ? resolve(cwd, opts.projectDirectory) : files[0] === '-' ? cwd : dirname(files[0]!);
  if (!opts.projectDirectory && workingDir !== cwd) env = await envFor(workingDir);
  const ctx: FileContext = { env, warn, stdin: opts.stdin, stack: [], interpolate: opts.interpolate !== false };
  let model: Dict = {};
  for (const f of files) model = mergeModels(model, await loadFile(f, workingDir, ctx));
  const fromModel = typeof model.name === 'string' && model.name !== '' ? model.name : undefined;
  const envName = env.get('COMPOSE_PROJECT_NAME');
  const name = opts.projectName ? checkProjectName(opts.projectName) : envName ? checkProjectName(envName) : fromModel ? checkProjectName(fromModel) : normalizeProjectName(basename(workingDir));
  if (!name) throw invalid(`project name must not be empty`);
  const profiles = opts.profiles?.length ? opts.profiles : (env.get('COMPOSE_PROFILES') ?? '').split(',').filter(Boolean);
  const dotenv = resolve(workingDir, '.env');
  const envFiles = opts.envFiles?.length ? opts.envFiles.map((f) => resolve(cwd, f)) : (await access(dotenv).then(() => true, () => false)) ? [dotenv] : [];
  return { ...finalize(model, { name, workingDir, configFiles: files, profiles, services: opts.services ?? [], env: (k) => env.get(k) }), envFiles };
}
