/** The compose commands over a project's existing containers and images: lifecycle, images, listings, exec and run, cp. */
import type { Command } from 'commander';
import { down, lifecycle, removeStopped } from '../../compose/index.js';
import { collect } from '../context.js';
import { StatusError } from '../errors.js';
import { composeWait, composeLogs } from './compose-attach.js';
import { composeCp } from './compose-cp.js';
import { buildServiceImage, pullImage, pushImage } from './compose-images.js';
import { composeEvents, composeImages, composeLs, composePort, composePs, composeTop } from './compose-info.js';
import { composeExec, composeRun } from './compose-run.js';
import { int, warn, type ComposeSession } from './compose-session.js';

/** One line of stdin ('' at its end). */
async function readLine(): Promise<string> {
  const { createInterface } = await import('node:readline');
  const rl = createInterface({ input: process.stdin });
  try {
    for await (const line of rl) return line;
    return '';
  } finally {
    rl.close();
  }
}

export function registerLifecycle(compose: Command, s: ComposeSession): void {
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
      // Compose v2 asks first (the answer read from stdin; none is a no) unless -f.
      const confirm = async (names: string[]): Promise<boolean> => {
        process.stderr.write(`Going to remove ${names.join(', ')}\n? Are you sure? (y/N) `);
        const answer = await readLine();
        process.stderr.write('\n');
        return /^y(es)?$/i.test(answer.trim());
      };
      const n = await removeStopped(c, services, { stop: o.stop, volumes: o.volumes, confirm: o.force ? undefined : confirm });
      if (n === 0) process.stderr.write('No stopped containers\n');
    });
}

export function registerImages(compose: Command, s: ComposeSession): void {
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

export function registerInfo(compose: Command, s: ComposeSession): void {
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

export function registerExecRun(compose: Command, s: ComposeSession): void {
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

