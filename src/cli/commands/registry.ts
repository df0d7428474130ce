import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { StatusError } from '../errors.js';
import { passThroughCommand } from './pass-through.js';

/**
 * The registry is its own program (dist/src/registry/main.js): the CLI only speaks to berthd, so
 * `berth registry …` runs that program with the same Node, passes every argument through and
 * exits with its status. Signals reach it too, so Ctrl-C stops the server cleanly.
 */
async function runRegistry(args: string[]): Promise<number> {
  const main = fileURLToPath(new URL('../../registry/main.js', import.meta.url));
  const child = spawn(process.execPath, [main, ...args], { stdio: 'inherit' });
  const forward = (signal: NodeJS.Signals): void => {
    child.kill(signal);
  };
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  try {
    return await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 + 15 : 1)));
    });
  } finally {
    process.off('SIGINT', forward);
    process.off('SIGTERM', forward);
  }
}

export function registerRegistryCommands(program: Command): void {
  passThroughCommand(program, 'registry', "Run berth's own registry: serve, garbage-collect (see 'berth registry --help')", async (args) => {
    const status = await runRegistry(args);
    if (status !== 0) throw new StatusError(status);
  });
}
