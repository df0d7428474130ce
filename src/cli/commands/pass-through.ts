import type { Command } from 'commander';

/**
 * A command that parses nothing itself: every argument, flags and `--help` included, goes to
 * `run`, which has a parser of its own (compose's commands, the registry's).
 */
export function passThroughCommand(program: Command, name: string, description: string, run: (args: string[]) => Promise<void>): void {
  program
    .command(name)
    .description(description)
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .passThroughOptions()
    .argument('[args...]')
    .action(run);
}
