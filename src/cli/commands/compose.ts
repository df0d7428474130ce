/**
 * `berth compose`: Docker Compose v2's commands as a client of the Engine API. The project
 * model and the convergence live in src/compose; this file parses the flags, loads the project
 * and prints.
 */
import { Option, type Command } from 'commander';
import { Writable } from 'node:stream';
import { configJson, configYaml, down, emptyProject, Engine, lifecycle, loadProject, Progress, TtyProgress, removeStopped, serviceHash, up, watchProject, watchRules, type Context, type ImageHooks, type Project } from '../../compose/index.js';
import { isBerthError } from '../../base/errors.js';
import { collect, type CliContext } from '../context.js';
import { StatusError } from '../errors.js';
import { composeEvents, composeImages, composeLs, composePort, composePs, composeTop } from './compose-info.js';
import { buildServiceImage, pullImage, pushImage, type BuildFlags } from './compose-images.js';
import { attachedUp, composeLogs, composeWait } from './compose-attach.js';
import { composeExec, composeRun } from './compose-run.js';
import { composeCp } from './compose-cp.js';

interface ComposeFlags {
  file?: string[];
  projectName?: string;
  projectDirectory?: string;
  envFile?: string[];
  profile?: string[];
  ansi: string;
  progress?: string;
}

const warn = (m: string): void => void process.stderr.write(`WARN[0000] ${m}\n`);

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
  async project(services: string[] = [], o: { needFile?: boolean } = {}): Promise<Project> {
    const f = this.flags();
    try {
      return await loadProject({ files: f.file, projectName: f.projectName, projectDirectory: f.projectDirectory, envFiles: f.envFile, profiles: f.profile, services, warn, stdin: readStdin });
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
    this.last = { project: await this.project(services, o), engine: new Engine(this.ctx.client), progress: this.progress() };
    return this.last;
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

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const int = (flag: string) => (v: string): number => {
  if (!/^-?\d+$/.test(v)) throw new Error(`invalid argument ${JSON.stringify(v)} for ${JSON.stringify(flag)} flag: strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
  return Number(v);
};

function parseScale(list: string[] | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of list ?? []) {
    const [name, n] = s.split('=');
    if (!name || n === undefined || !/^\d+$/.test(n)) throw new Error(`invalid scale ${JSON.stringify(s)}: expected SERVICE=NUM`);
    out[name] = Number(n);
  }
  return out;
}

function registerConfig(compose: Command, s: ComposeSession): void {
  compose
    .command('config')
    .description('Parse, resolve and render compose file in canonical format')
    .argument('[services...]')
    .option('--format <string>', 'Format the output. Values: [yaml | json]', 'yaml')
    .option('-q, --quiet', 'Only validate the configuration, don\'t print anything')
    .option('--services', 'Print the service names, one per line')
    .option('--volumes', 'Print the volume names, one per line')
    .option('--networks', 'Print the network names, one per line')
    .option('--images', 'Print the image names, one per line')
    .option('--profiles', 'Print the profile names, one per line')
    .option('--hash <string>', 'Print the service config hash, one per line')
    .option('-o, --output <path>', 'Save to file (default to stdout)')
    .action(async (services: string[], o: { format: string; quiet?: boolean; services?: boolean; volumes?: boolean; networks?: boolean; images?: boolean; profiles?: boolean; hash?: string; output?: string }) => {
      const p = await s.project(services, { needFile: true });
      if (o.quiet) return;
      const lines = (xs: string[]): void => {
        if (xs.length) s.ctx.print(xs.join('\n'));
      };
      if (o.services) return lines(Object.keys(p.services));
      if (o.volumes) return lines(Object.keys(p.volumes));
      if (o.networks) return lines(Object.keys(p.networks));
      if (o.images) return lines(Object.entries(p.services).map(([n, svc]) => svc.image ?? `${p.name}-${n}`));
      if (o.profiles) return lines([...new Set([...Object.values(p.services), ...Object.values(p.disabled)].flatMap((svc) => svc.profiles ?? []))].sort());
      if (o.hash !== undefined) {
        const names = o.hash === '*' ? Object.keys(p.services) : o.hash.split(',');
        return lines(names.map((n) => `${n} ${serviceHash(p.services[n]!)}`));
      }
      const text = o.format === 'json' ? configJson(p) : configYaml(p);
      if (o.output) {
        const { writeFile } = await import('node:fs/promises');
        await writeFile(o.output, text);
      } else s.ctx.out.write(text);
    });
}

function registerUpDown(compose: Command, s: ComposeSession): void {
  compose
    .command('up')
    .description('Create and start containers')
    .argument('[services...]')
    .option('-d, --detach', 'Detached mode: Run containers in the background')
    .option('--build', 'Build images before starting containers')
    .option('--no-build', "Don't build an image, even if it's policy")
    .option('--scale <SERVICE=NUM>', 'Scale SERVICE to NUM instances. Overrides the scale setting in the Compose file if present.', collect)
    .option('--wait', 'Wait for services to be running|healthy. Implies detached mode.')
    .option('--wait-timeout <seconds>', 'Maximum duration in seconds to wait for the project to be running|healthy', int('--wait-timeout'))
    .option('--remove-orphans', 'Remove containers for services not defined in the Compose file')
    .option('--force-recreate', "Recreate containers even if their configuration and image haven't changed")
    .option('--no-recreate', "If containers already exist, don't recreate them. Incompatible with --force-recreate.")
    .option('--no-deps', "Don't start linked services")
    .option('--no-start', "Don't start the services after creating them")
    .option('--abort-on-container-exit', 'Stops all containers if any container was stopped. Incompatible with -d')
    .option('--exit-code-from <service>', 'Return the exit code of the selected service container. Implies --abort-on-container-exit')
    .option('--no-color', 'Produce monochrome output')
    .option('--no-log-prefix', "Don't print prefix in logs")
    .option('--quiet-pull', 'Pull without printing progress information')
    .option('-t, --timeout <seconds>', 'Use this timeout in seconds for container shutdown when attached or when containers are already running', int('--timeout'))
    .action(async (services: string[], o: { detach?: boolean; build: boolean; scale?: string[]; wait?: boolean; waitTimeout?: number; removeOrphans?: boolean; forceRecreate?: boolean; recreate: boolean; deps: boolean; start: boolean; abortOnContainerExit?: boolean; exitCodeFrom?: string; color: boolean; logPrefix: boolean; timeout?: number }) => {
      if (o.forceRecreate && !o.recreate) throw new Error('--force-recreate and --no-recreate are incompatible');
      if (o.detach && o.abortOnContainerExit) throw new Error('--abort-on-container-exit and --detach are incompatible');
      const c = await s.context(services);
      const optsBuild = (o as { build?: boolean }).build;
      const targets = await up(c, s.hooks(c), {
        services,
        noDeps: !o.deps,
        build: optsBuild === true,
        noBuild: optsBuild === false,
        scale: parseScale(o.scale),
        forceRecreate: o.forceRecreate,
        noRecreate: !o.recreate,
        removeOrphans: o.removeOrphans,
        noStart: !o.start,
        timeout: o.timeout,
        wait: o.wait,
        waitTimeout: o.waitTimeout,
        warn,
      });
      if (o.detach || o.wait || !o.start) return;
      const code = await attachedUp(s.ctx, c, targets, { color: o.color && s.color, prefix: o.logPrefix, abort: o.abortOnContainerExit || o.exitCodeFrom !== undefined, exitCodeFrom: o.exitCodeFrom, timeout: o.timeout });
      if (code !== 0) throw new StatusError(code);
    });

  compose
    .command('create')
    .description('Creates containers for a service')
    .argument('[services...]')
    .option('--build', 'Build images before starting containers')
    .option('--no-build', "Don't build an image, even if it's policy")
    .option('--force-recreate', "Recreate containers even if their configuration and image haven't changed")
    .option('--no-recreate', "If containers already exist, don't recreate them. Incompatible with --force-recreate.")
    .option('--remove-orphans', 'Remove containers for services not defined in the Compose file')
    .option('--scale <SERVICE=NUM>', 'Scale SERVICE to NUM instances. Overrides the scale setting in the Compose file if present.', collect)
    .action(async (services: string[], o: { build?: boolean; forceRecreate?: boolean; recreate: boolean; removeOrphans?: boolean; scale?: string[] }) => {
      const c = await s.context(services);
      await up(c, s.hooks(c), { services, build: o.build === true, noBuild: o.build === false, forceRecreate: o.forceRecreate, noRecreate: !o.recreate, removeOrphans: o.removeOrphans, scale: parseScale(o.scale), noStart: true, warn });
    });

  compose
    .command('scale')
    .description('Scale services')
    .argument('<SERVICE=REPLICAS...>')
    .option('--no-deps', "Don't start linked services")
    .action(async (specs: string[], o: { deps: boolean }) => {
      const scale = parseScale(specs);
      const c = await s.context(Object.keys(scale));
      await up(c, s.hooks(c), { services: Object.keys(scale), noDeps: !o.deps, scale, warn });
    });

  compose
    .command('down')
    .description('Stop and remove containers, networks')
    .argument('[services...]')
    .option('-v, --volumes', 'Remove named volumes declared in the "volumes" section of the Compose file and anonymous volumes attached to containers')
    .addOption(new Option('--rmi <type>', 'Remove images used by services. "local" remove only images that don\'t have a custom tag ("local"|"all")').choices(['local', 'all']))
    .option('--remove-orphans', 'Remove containers for services not defined in the Compose file')
    .option('-t, --timeout <seconds>', 'Specify a shutdown timeout in seconds', int('--timeout'))
    .action(async (services: string[], o: { volumes?: boolean; rmi?: 'local' | 'all'; removeOrphans?: boolean; timeout?: number }) => {
      const c = await s.context();
      await down(c, { volumes: o.volumes, rmi: o.rmi, removeOrphans: o.removeOrphans || c.project.configFiles.length === 0, timeout: o.timeout, services, warn });
    });
}

function registerLifecycle(compose: Command, s: ComposeSession): void {
  const simple: [string, string, 'start' | 'stop' | 'restart' | 'pause' | 'unpause'][] = [
    ['start', 'Start services', 'start'],
    ['stop', 'Stop services', 'stop'],
    ['restart', 'Restart service containers', 'restart'],
    ['pause', 'Pause services', 'pause'],
    ['unpause', 'Unpause services', 'unpause'],
  ];
  for (const [name, description, action] of simple) {
    const cmd = compose.command(name).description(description).argument('[services...]');
    if (action === 'stop' || action === 'restart') cmd.option('-t, --timeout <seconds>', 'Specify a shutdown timeout in seconds', int('--timeout'));
    cmd.action(async (services: string[], o: { timeout?: number }) => {
      const c = await s.context(services);
      for (const n of services) if (!c.project.services[n] && c.project.configFiles.length) throw new Error(`no such service: ${n}`);
      await lifecycle(c, action, services, { t: o.timeout });
    });
  }
  compose
    .command('kill')
    .description('Force stop service containers')
    .argument('[services...]')
    .option('-s, --signal <string>', 'SIGNAL to send to the container', 'SIGKILL')
    .option('--remove-orphans', 'Remove containers for services not defined in the Compose file')
    .action(async (services: string[], o: { signal: string }) => {
      const c = await s.context(services);
      await lifecycle(c, 'kill', services, { signal: o.signal });
    });
  compose
    .command('rm')
    .description('Removes stopped service containers')
    .argument('[services...]')
    .option('-f, --force', "Don't ask to confirm removal")
    .option('-s, --stop', 'Stop the containers, if required, before removing')
    .option('-v, --volumes', 'Remove any anonymous volumes attached to containers')
    .action(async (services: string[], o: { force?: boolean; stop?: boolean; volumes?: boolean }) => {
      const c = await s.context(services);
      const n = await removeStopped(c, services, { stop: o.stop, volumes: o.volumes });
      if (n === 0) process.stderr.write('No stopped containers\n');
    });
}

function registerImages(compose: Command, s: ComposeSession): void {
  compose
    .command('build')
    .description('Build or rebuild services')
    .argument('[services...]')
    .option('--no-cache', 'Do not use cache when building the image')
    .option('--pull', 'Always attempt to pull a newer version of the image')
    .option('-q, --quiet', "Don't print anything to STDOUT")
    .option('--build-arg <key=value>', 'Set build-time variables for services', collect)
    .action(async (services: string[], o: { cache: boolean; pull?: boolean; quiet?: boolean; buildArg?: string[] }) => {
      const c = await s.context(services, { needFile: true });
      const names = (services.length ? services : Object.keys(c.project.services)).filter((n) => c.project.services[n]!.build);
      for (const n of names) {
        const svc = c.project.services[n]!;
        await buildServiceImage(s.ctx, c.progress, n, svc, svc.image ?? `${c.project.name}-${n}`, { noCache: !o.cache, pull: o.pull, quiet: o.quiet, buildArg: o.buildArg });
      }
    });
  compose
    .command('pull')
    .description('Pull service images')
    .argument('[services...]')
    .option('-q, --quiet', 'Pull without printing progress information')
    .option('--ignore-buildable', 'Ignore images that can be built')
    .option('--ignore-pull-failures', 'Pull what it can and ignores images with pull failures')
    .action(async (services: string[], o: { quiet?: boolean; ignoreBuildable?: boolean; ignorePullFailures?: boolean }) => {
      const c = await s.context(services, { needFile: true });
      const names = services.length ? services : Object.keys(c.project.services);
      const failures: Error[] = [];
      await Promise.all(
        names.map(async (n) => {
          const svc = c.project.services[n]!;
          if (!svc.image || (svc.build && o.ignoreBuildable)) return;
          try {
            await c.progress.step('Service', n, 'Pulling', 'Pulled', () => pullImage(s.ctx, svc.image!));
          } catch (err) {
            // An image a service can build may well not be in any registry yet.
            if (svc.build || o.ignorePullFailures) warn(`${n} Warning ${(err as Error).message}`);
            else failures.push(err as Error);
          }
        }),
      );
      if (failures[0]) throw failures[0];
    });
  compose
    .command('push')
    .description('Push service images')
    .argument('[services...]')
    .option('--ignore-push-failures', 'Push what it can and ignores images with push failures')
    .option('-q, --quiet', 'Push without printing progress information')
    .action(async (services: string[], o: { ignorePushFailures?: boolean }) => {
      const c = await s.context(services, { needFile: true });
      for (const n of services.length ? services : Object.keys(c.project.services)) {
        const svc = c.project.services[n]!;
        if (!svc.image) continue;
        try {
          await c.progress.step('Service', n, 'Pushing', 'Pushed', () => pushImage(s.ctx, svc.image!));
        } catch (err) {
          if (!o.ignorePushFailures) throw err;
        }
      }
    });
}

function registerInfo(compose: Command, s: ComposeSession): void {
  compose
    .command('ps')
    .description('List containers')
    .argument('[services...]')
    .option('-a, --all', 'Show all stopped containers (including those created by the run command)')
    .option('-q, --quiet', 'Only display IDs')
    .option('--services', 'Display services')
    .option('--format <string>', 'Format the output. Values: [table | json]', 'table')
    .option('--status <string>', 'Filter services by status. Values: [paused | restarting | removing | running | dead | created | exited]', collect)
    .option('--filter <string>', 'Filter services by a property (supported filters: status).', collect)
    .action(async (services: string[], o: { all?: boolean; quiet?: boolean; services?: boolean; format: string; status?: string[]; filter?: string[] }) => composePs(s.ctx, await s.context(services), services, o));
  compose
    .command('ls')
    .description('List running compose projects')
    .option('-a, --all', 'Show all stopped Compose projects')
    .option('-q, --quiet', 'Only display project names')
    .option('--format <string>', 'Format the output. Values: [table | json]', 'table')
    .option('--filter <filter>', 'Filter output based on conditions provided', collect)
    .action((o: { all?: boolean; quiet?: boolean; format: string; filter?: string[] }) => composeLs(s.ctx, o));
  compose
    .command('images')
    .description('List images used by the created containers')
    .argument('[services...]')
    .option('-q, --quiet', 'Only display IDs')
    .option('--format <string>', 'Format the output. Values: [table | json]', 'table')
    .action(async (services: string[], o: { quiet?: boolean; format: string }) => composeImages(s.ctx, await s.context(services), services, o));
  compose
    .command('top')
    .description('Display the running processes')
    .argument('[services...]')
    .action(async (services: string[]) => composeTop(s.ctx, await s.context(services), services));
  compose
    .command('port')
    .description('Print the public port for a port binding')
    .argument('<service>')
    .argument('<private_port>')
    .option('--protocol <string>', 'tcp or udp', 'tcp')
    .option('--index <int>', 'Index of the container if service has multiple replicas', '1')
    .action(async (service: string, port: string, o: { protocol: string; index: string }) => composePort(s.ctx, await s.context([service]), service, port, o));
  compose
    .command('events')
    .description('Receive real time events from containers')
    .argument('[services...]')
    .option('--json', 'Output events as a stream of json objects')
    .option('--since <string>', 'Show all events created since timestamp')
    .option('--until <string>', 'Stream events until this timestamp')
    .action(async (services: string[], o: { json?: boolean; since?: string; until?: string }) => composeEvents(s.ctx, await s.context(services), services, o));
  compose
    .command('logs')
    .description('View output from containers')
    .argument('[services...]')
    .option('-f, --follow', 'Follow log output')
    .option('-n, --tail <string>', 'Number of lines to show from the end of the logs for each container', 'all')
    .option('-t, --timestamps', 'Show timestamps')
    .option('--since <string>', 'Show logs since timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)')
    .option('--until <string>', 'Show logs before a timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)')
    .option('--no-color', 'Produce monochrome output')
    .option('--no-log-prefix', "Don't print prefix in logs")
    .option('--index <int>', 'index of the container if service has multiple replicas')
    .action(async (services: string[], o: { follow?: boolean; tail: string; timestamps?: boolean; since?: string; until?: string; color: boolean; logPrefix: boolean; index?: string }) =>
      composeLogs(s.ctx, await s.context(services), services, { ...o, color: o.color && s.color, prefix: o.logPrefix }),
    );
  compose
    .command('wait')
    .description('Block until containers of all (or specified) services stop.')
    .argument('<services...>')
    .option('--down-project', 'Drops project when the first container stops')
    .action(async (services: string[], o: { downProject?: boolean }) => {
      const c = await s.context(services);
      const code = await composeWait(s.ctx, c, services);
      if (o.downProject) await down(c, { warn });
      if (code !== 0) throw new StatusError(code);
    });
}

function registerExecRun(compose: Command, s: ComposeSession): void {
  compose
    .command('exec')
    .description('Execute a command in a running container')
    .argument('<service>')
    .argument('<command...>')
    .option('-d, --detach', 'Detached mode: Run command in the background')
    .option('-e, --env <KEY=VAL>', 'Set environment variables', collect)
    .option('-u, --user <string>', 'Run the command as this user')
    .option('-w, --workdir <string>', 'Path to workdir directory for this command')
    .option('--privileged', 'Give extended privileges to the process')
    .option('-T, --no-tty', 'Disable pseudo-TTY allocation. By default `docker compose exec` allocates a TTY.')
    .option('-i, --interactive', 'Keep STDIN open even if not attached', true)
    .option('--index <int>', 'Index of the container if service has multiple replicas', '1')
    .passThroughOptions()
    .action(async (service: string, command: string[], o: { detach?: boolean; env?: string[]; user?: string; workdir?: string; privileged?: boolean; tty: boolean; interactive: boolean; index: string }) => {
      await composeExec(s.ctx, await s.context([service]), service, command, o);
    });
  compose
    .command('run')
    .description('Run a one-off command on a service')
    .argument('<service>')
    .argument('[command...]')
    .option('-d, --detach', 'Run container in background and print container ID')
    .option('--rm', 'Automatically remove the container when it exits')
    .option('--name <string>', 'Assign a name to the container')
    .option('--entrypoint <string>', 'Override the entrypoint of the image')
    .option('-e, --env <KEY=VAL>', 'Set environment variables', collect)
    .option('-l, --label <KEY=VAL>', 'Add or override a label', collect)
    .option('-u, --user <string>', 'Run as specified username or uid')
    .option('-w, --workdir <string>', 'Working directory inside the container')
    .option('-T, --no-tty', 'Disable pseudo-TTY allocation (default: auto-detected)')
    .option('-i, --interactive', 'Keep STDIN open even if not attached', true)
    .option('--no-deps', "Don't start linked services")
    .option('-P, --service-ports', "Run command with all service's ports enabled and mapped to the host")
    .option('-p, --publish <port>', "Publish a container's port(s) to the host", collect)
    .option('-v, --volume <volume>', 'Bind mount a volume', collect)
    .option('--build', 'Build image before starting container')
    .option('--remove-orphans', 'Remove containers for services not defined in the Compose file')
    .passThroughOptions()
    .action(async (service: string, command: string[], o: { detach?: boolean; rm?: boolean; name?: string; entrypoint?: string; env?: string[]; label?: string[]; user?: string; workdir?: string; tty: boolean; interactive: boolean; deps: boolean; servicePorts?: boolean; build?: boolean; publish?: string[]; volume?: string[] }) => {
      const c = await s.context([service], { needFile: true });
      await composeRun(s.ctx, c, s.hooks(c), service, command, o, warn);
    });
  compose
    .command('cp')
    .description('Copy files/folders between a service container and the local filesystem')
    .argument('<source>')
    .argument('<destination>')
    .option('--index <int>', 'Index of the container if service has multiple replicas', '1')
    .option('-a, --archive', 'Archive mode (copy all uid/gid information)')
    .option('-L, --follow-link', 'Always follow symbol link in SRC_PATH')
    .action(async (src: string, dst: string, o: { index: string }) => {
      const service = (src.includes(':') ? src : dst).split(':')[0]!;
      await composeCp(s.ctx, await s.context([service]), src, dst, o);
    });
}

export function registerComposeCommands(program: Command, ctx: CliContext): void {
  const compose = program
    .command('compose')
    .description('Define and run multi-container applications with Docker Compose v2\'s commands')
    .option('-f, --file <path>', 'Compose configuration files', collect)
    .option('-p, --project-name <string>', 'Project name')
    .option('--project-directory <string>', 'Specify an alternate working directory (default: the path of the, first specified, Compose file)')
    .option('--env-file <path>', 'Specify an alternate environment file', collect)
    .option('--profile <profile>', 'Specify a profile to enable', collect)
    .addOption(new Option('--ansi <string>', 'Control when to print ANSI control characters').choices(['never', 'always', 'auto']).default('auto'))
    .addOption(new Option('--progress <string>', 'Set type of progress output').choices(['auto', 'tty', 'plain', 'quiet']))
    .option('--parallel <int>', 'Control max parallelism, -1 for unlimited', '-1')
    .enablePositionalOptions();
  const s = new ComposeSession(ctx, compose);
  compose.hook('postAction', () => s.last?.progress.done());
  registerConfig(compose, s);
  registerUpDown(compose, s);
  registerLifecycle(compose, s);
  registerImages(compose, s);
  registerInfo(compose, s);
  registerExecRun(compose, s);
  compose
    .command('watch')
    .description('Watch build context for service and rebuild/refresh containers when files are updated')
    .argument('[services...]')
    .option('--no-up', 'Do not build & start services before watching')
    .option('--prune', 'Prune dangling images on rebuild', true)
    .option('--quiet', 'hide build output')
    .action(async (services: string[], o: { up: boolean; quiet?: boolean }) => {
      const c = await s.context(services, { needFile: true });
      const targets = services.length ? services : Object.keys(c.project.services).filter((n) => watchRules(c.project, n).length);
      if (o.up) await up(c, s.hooks(c), { services, warn });
      const stop = new AbortController();
      process.once('SIGINT', () => stop.abort());
      process.once('SIGTERM', () => stop.abort());
      const log = (m: string): void => void process.stderr.write(`${m}\n`);
      const watching = watchProject(c.project, c.engine, targets, {
        log,
        rebuild: async (names) => {
          await up(c, s.hooks(c, { quiet: o.quiet }), { services: names, noDeps: true, build: true, warn });
        },
      }, stop.signal);
      await watching;
    });
  compose
    .command('version')
    .description('Show the Docker Compose version information')
    .option('--short', 'Shows only Compose\'s version number')
    .option('-f, --format <string>', 'Format the output. Values: [pretty | json]')
    .action((o: { short?: boolean; format?: string }) => {
      const v = 'v2.39.1-berth';
      if (o.short) ctx.print(v.slice(1));
      else if (o.format === 'json') ctx.print(JSON.stringify({ version: v }));
      else ctx.print(`Docker Compose version ${v}`);
    });
}
