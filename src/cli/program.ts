import { Command, CommanderError } from 'commander';
import { readAll } from '../client/index.js';
import { ApiError } from '../client/index.js';
import { CliContext, type GlobalFlags } from './context.js';
import { registerImageCommands } from './commands/images.js';
import { registerSystemCommands } from './commands/system.js';
import { inspectOutput } from './commands/shared.js';
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
  .exitOverride()
  .configureOutput({ outputError: () => {} });

registerSystemCommands(program, ctx);
registerImageCommands(program, ctx);
program
  .command('inspect')
  .description('Return low-level information on berth objects')
  .argument('<NAME|ID...>')
  .option('-f, --format <string>', 'Format output using a custom template')
  .option('--type <string>', 'Only inspect objects of the given type')
  .action(async (names: string[], o: { format?: string; type?: string }) => {
    if (o.type && o.type !== 'image') throw new Error(`"${o.type}" is not a valid value for --type`);
    await inspectOutput(ctx, names, o.format, async (n) => {
      const res = await ctx.client.call('GET', `/images/${n}/json`).catch((err: unknown) => {
        if (err instanceof ApiError && err.status === 404) throw new Error(`Error: No such object: ${n}`);
        throw err;
      });
      return JSON.parse((await readAll(res)).toString('utf8')) as unknown;
    });
  });

for (const cmd of program.commands) {
  cmd.exitOverride().configureOutput({ outputError: () => {} });
  for (const sub of cmd.commands) sub.exitOverride().configureOutput({ outputError: () => {} });
}

/** Errors as the docker CLI prints them: one line, "Error response from daemon:" for API errors. */
function report(err: unknown): number {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
    const name = process.argv.slice(2).find((a) => !a.startsWith('-')) ?? '';
    process.stderr.write(`berth: ${err.message.replace(/^error: /, '')}\nSee 'berth ${name ? name + ' ' : ''}--help'.\n`);
    return 1;
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

program
  .parseAsync(process.argv)
  .then(() => {
    process.exitCode = ctx.exitCode;
  })
  .catch((err: unknown) => {
    process.exitCode = report(err);
  });
