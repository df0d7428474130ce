/**
 * `berth compose` as the program sees it: one command whose arguments go to compose's own
 * commands (compose.ts), loaded when it runs. The project model's libraries (YAML, the schema
 * validator) would otherwise cost every berth command's start-up.
 */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';

const COMPOSE_DESCRIPTION = "Define and run multi-container applications with Docker Compose v2's commands";

export function registerComposeCommand(program: Command, ctx: CliContext): void {
  program
    .command('compose')
    .description(COMPOSE_DESCRIPTION)
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .passThroughOptions()
    .argument('[args...]')
    .action(async (args: string[]) => {
      const { runCompose } = await import('./compose.js');
      await runCompose(ctx, args, COMPOSE_DESCRIPTION);
    });
}
