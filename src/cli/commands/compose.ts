/**
 * `berth compose`: Docker Compose v2's commands as a client of the Engine API. The project
 * model and the convergence live in src/compose; this file registers the commands (the project
 * commands here, the others in compose-commands.ts) and parses their flags.
 */
import { Command, Option, type CommanderError } from 'commander';
import { configJson, configYaml, down, serviceHash, up, watchProject, watchRules } from '../../compose/index.js';
import { collect, type CliContext } from '../context.js';
import { StatusError, UsageError } from '../errors.js';
import { attachedUp } from './compose-attach.js';
import { registerExecRun, registerImages, registerInfo, registerLifecycle } from './compose-commands.js';
import { ComposeSession, int, parseScale, warn } from './compose-session.js';

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
    .option('--no-interpolate', "Don't interpolate environment variables")
    .action(async (services: string[], o: { interpolate: boolean; format: string; quiet?: boolean; services?: boolean; volumes?: boolean; networks?: boolean; images?: boolean; profiles?: boolean; hash?: string; output?: string }) => {
      const p = await s.project(services, { needFile: true, interpolate: o.interpolate });
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
    .addOption(new Option('--pull <policy>', 'Pull image before running').choices(['always', 'missing', 'never', 'build']))
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
        pull: (o as { pull?: string }).pull,
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

/** Commander's flag errors: docker exits 125 for those, 1 for the others (program.ts's rule). */
const FLAG_ERRORS = new Set(['commander.unknownOption', 'commander.optionMissingArgument', 'commander.invalidArgument', 'commander.conflictingOption', 'commander.missingMandatoryOptionValue']);

/** Usage errors as the rest of the CLI reports them (`See 'berth compose up --help'.`); help and version pass. */
function quiet(cmd: Command, path: string): void {
  cmd
    .exitOverride((err: CommanderError) => {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.help' || err.code === 'commander.version') throw err;
      throw new UsageError(err.message.replace(/^error: /, ''), path, FLAG_ERRORS.has(err.code) ? 125 : 1);
    })
    .configureOutput({ outputError: () => {} });
  for (const sub of cmd.commands) quiet(sub, `${path} ${sub.name()}`);
}

/** Runs `berth compose ARGS` (loaded only for compose: the project model's libraries cost every other command start-up time). */
export async function runCompose(ctx: CliContext, args: string[], description: string): Promise<void> {
  // Under a `berth` root, so help and usage name the command as typed.
  const root = new Command('berth').enablePositionalOptions();
  const compose = root
    .command('compose')
    .description(description)
    .option('-f, --file <path>', 'Compose configuration files', collect)
    .option('-p, --project-name <string>', 'Project name')
    .option('--project-directory <string>', 'Specify an alternate working directory (default: the path of the, first specified, Compose file)')
    .option('--env-file <path>', 'Specify an alternate environment file', collect)
    .option('--profile <profile>', 'Specify a profile to enable', collect)
    .addOption(new Option('--ansi <string>', 'Control when to print ANSI control characters').choices(['never', 'always', 'auto']).default('auto'))
    .addOption(new Option('--progress <string>', 'Set type of progress output').choices(['auto', 'tty', 'plain', 'quiet']))
    .option('--parallel <int>', 'Control max parallelism, -1 for unlimited (default -1, or $COMPOSE_PARALLEL_LIMIT)')
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
  quiet(root, '');
  quiet(compose, 'compose');
  await root.parseAsync(['compose', ...args], { from: 'user' });
}
