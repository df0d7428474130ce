/** What every `berth compose` command shares: the compose flags, the project, the progress display. */
import type { Command } from 'commander';
import { Writable } from 'node:stream';
import { emptyProject, Engine, loadProject, Progress, TtyProgress, type Context, type ImageHooks, type Project } from '../../compose/index.js';
import { isBerthError } from '../../base/errors.js';
import type { CliContext } from '../context.js';
import { buildServiceImage, pullImage, type BuildFlags } from './compose-images.js';

export interface ComposeFlags {
  file?: string[];
  projectName?: string;
  projectDirectory?: string;
  envFile?: string[];
  profile?: string[];
  ansi: string;
  progress?: string;
  parallel?: string;
}

export const warn = (m: string): void => void process.stderr.write(`WARN[0000] ${m}\n`);

export class ComposeSession {
  private readonly flags: () => ComposeFlags;
  constructor(
    readonly ctx: CliContext,
    compose: Command,
  ) {
    this.flags = () => compose.opts<ComposeFlags>();
  }

  get color(): boolean {
    const a = this.flags().ansi;
    return a === 'always' || (a === 'auto' && Boolean((process.stdout as NodeJS.WriteStream).isTTY) && !process.env.NO_COLOR);
  }

  /** The project, or with `-p` and no compose file, one known by its name only. */
  async project(services: string[] = [], o: { needFile?: boolean; interpolate?: boolean } = {}): Promise<Project> {
    const f = this.flags();
    try {
      return await loadProject({ files: f.file, projectName: f.projectName, projectDirectory: f.projectDirectory, envFiles: f.envFile, profiles: f.profile, services, warn, stdin: readStdin, interpolate: o.interpolate });
    } catch (err) {
      if (!o.needFile && f.projectName && isBerthError(err, 'NotFound') && /no configuration file provided/.test((err as Error).message)) return emptyProject(f.projectName, process.cwd());
      throw err;
    }
  }

  /** The progress output `--progress` asks for: compose v2's terminal display when stderr is one, else plain lines. */
  progress(): Progress {
    const mode = this.flags().progress ?? 'auto';
    if (mode === 'quiet') return new Progress(new Writable({ write: (_c, _e, cb) => cb() }));
    if (mode === 'tty' || (mode === 'auto' && process.stderr.isTTY)) return new TtyProgress(process.stderr);
    return new Progress(process.stderr);
  }

  async context(services: string[] = [], o: { needFile?: boolean } = {}): Promise<Context> {
    this.last = { project: await this.project(services, o), engine: new Engine(this.ctx.client, this.parallel()), progress: this.progress() };
    return this.last;
  }

  /** `--parallel` (or COMPOSE_PARALLEL_LIMIT): how many engine requests at once, -1 for no limit. */
  parallel(): number {
    const v = this.flags().parallel ?? process.env.COMPOSE_PARALLEL_LIMIT ?? '-1';
    const n = Number(v);
    if (!Number.isInteger(n)) throw new Error(`invalid argument ${JSON.stringify(v)} for "--parallel" flag: strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
    return n;
  }

  /** The context of the command that ran, whose progress display ends with it. */
  last: Context | undefined;

  hooks(c: Context, build: BuildFlags = {}): ImageHooks {
    return {
      build: (service, svc, image) => buildServiceImage(this.ctx, c.progress, service, svc, image, build),
      pull: (image) => c.progress.step('Image', image, 'Pulling', 'Pulled', () => pullImage(this.ctx, image)),
    };
  }
}

export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export const int = (flag: string) => (v: string): number => {
  if (!/^-?\d+$/.test(v)) throw new Error(`invalid argument ${JSON.stringify(v)} for ${JSON.stringify(flag)} flag: strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
  return Number(v);
};

export function parseScale(list: string[] | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of list ?? []) {
    const [name, n] = s.split('=');
    if (!name || n === undefined || !/^\d+$/.test(n)) throw new Error(`invalid scale ${JSON.stringify(s)}: expected SERVICE=NUM`);
    out[name] = Number(n);
  }
  return out;
}

