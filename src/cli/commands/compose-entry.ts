/**
 * `berth compose` as the program sees it: one command whose arguments go to compose's own
 * commands (compose.ts), loaded when it runs. The project model's libraries (YAML, the schema
 * validator) would otherwise cost every berth command's start-up.
 */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { passThroughCommand } from './pass-through.js';

const COMPOSE_DESCRIPTION = "Define and run multi-container applications with Docker Compose v2's commands";

export function registerComposeCommand(program: Command, ctx: CliContext): void {
  passThroughCommand(program, 'compose', COMPOSE_DESCRIPTION, async (args) => {
    const { runCompose } = await import('./compose.js');
    await runCompose(ctx, args, COMPOSE_DESCRIPTION);
  });
}
