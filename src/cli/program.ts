import { Command, CommanderError } from 'commander';
import { ApiError } from '../client/index.js';
import { normalizeBooleanFlags } from './argv.js';
import { CliContext, type GlobalFlags } from './context.js';
import { registerContainerCommands } from './commands/containers.js';
import { registerImageCommands } from './commands/images.js';
import { registerBuildCommand } from './commands/build.js';
import { registerComposeCommand } from './commands/compose-entry.js';
import { registerDistributionCommands } from './commands/distribution.js';
import { registerNetworkCommands } from './commands/networks.js';
import { registerRegistryCommands } from './commands/registry.js';
import { registerSystemCommands } from './commands/system.js';
import { registerVolumeCommands } from './commands/volumes.js';
import { StatusError, UsageError } from './errors.js';
import { BERTH_CLI_VERSION } from './version.js';

const program = new Command('berth');
const ctx = new CliContext(() => program.opts<GlobalFlags>());

program
  .description('A self-sufficient runtime for containers, compatible with the Docker Engine API')
  .version(`berth version ${BERTH_CLI_VERSION}`, '-v, --version', 'Print version information and quit')
  .option('-H, --host <host>', 'Daemon socket to connect to (default $BERTH_HOST, $DOCKER_HOST, unix:///run/berth/berthd.sock)')
  .option('--tls', 'Use TLS; implied by --tlsverify')
  .option('--tlsverify', 'Use TLS and verify the remote')
  .option('--tlscacert <file>', 'Trust certs signed only by this CA')
  .option('--tlscert <file>', 'Path to TLS certificate file')
  .option('--tlskey <file>', 'Path to TLS key file')
  .showSuggestionAfterError(true)
  // Global flags go before the command, as in docker: `run -v`, `rm -v` and `-H` after the
  // command belong to it.
  .enablePositionalOptions()
  .exitOverride()
  .configureOutput({ outputError: () => {} });

registerSystemCommands(program, ctx);
registerImageCommands(program, ctx);
registerBuildCommand(program, ctx);
registerDistributionCommands(program, program.commands.find((c) => c.name() === 'image')!, ctx);
registerContainerCommands(program, ctx);
registerVolumeCommands(program, ctx);
registerNetworkCommands(program, ctx);
registerRegistryCommands(program);
registerComposeCommand(program, ctx);

/** The command whose arguments commander refused, for the `See 'berth CMD --help'.` line. */
let failedCommand = '';
const commandPath = (cmd: Command): string => {
  const names: string[] = [];
  for (let c: Command | null = cmd; c && c !== program; c = c.parent) names.unshift(c.name());
  return names.join(' ');
};
const quiet = (cmd: Command): void => {
  cmd
    .exitOverride((err) => {
      failedCommand = commandPath(cmd);
      throw err;
    })
    .configureOutput({ outputError: () => {} });
  for (const sub of cmd.commands) quiet(sub);
};
for (const cmd of program.commands) quiet(cmd);

/** Commander's flag errors; docker exits 125 for those, 1 for a wrong number of arguments. */
const FLAG_ERRORS = new Set(['commander.unknownOption', 'commander.optionMissingArgument', 'commander.invalidArgument', 'commander.conflictingOption', 'commander.missingMandatoryOptionValue']);

/** Errors as the docker CLI prints them: one line, "Error response from daemon:" for API errors. */
function report(err: unknown): number {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
    process.stderr.write(`berth: ${err.message.replace(/^error: /, '')}\nSee 'berth ${failedCommand ? failedCommand + ' ' : ''}--help'.\n`);
    return FLAG_ERRORS.has(err.code) ? 125 : 1;
  }
  if (err instanceof UsageError) {
    process.stderr.write(`berth: ${err.message}\nSee 'berth ${err.command} --help'.\n`);
    return err.status;
  }
  if (err instanceof StatusError) {
    if (err.message) process.stderr.write(`${err.message}\n`);
    return err.status;
  }
  if (err instanceof ApiError) {
    process.stderr.write(`Error response from daemon: ${err.message}\n`);
    return 1;
  }
  const message = err instanceof Error ? err.message : String(err);
  // The docker CLI prints other errors as they are ("open x: no such file or directory").
  process.stderr.write(`${message}\n`);
  return 1;
}

// A reader that went away (`berth logs -f x | head`): stop quietly, as docker does, instead of
// dying on an unhandled EPIPE.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(1);
  });
}

program
  .parseAsync(normalizeBooleanFlags(program, process.argv))
  .then(() => {
    process.exitCode = ctx.exitCode;
  })
  .catch((err: unknown) => {
    process.exitCode = report(err);
  });
