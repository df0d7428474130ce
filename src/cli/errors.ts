/**
 * Errors that decide the exit status, after docker's `cli.StatusError`: `run` exits 125 when the
 * daemon refuses, 126/127 when the command cannot be executed, and with the container's own
 * code; an empty message prints nothing.
 */
export class StatusError extends Error {
  constructor(
    readonly status: number,
    message = '',
  ) {
    super(message);
    this.name = 'StatusError';
  }
}

/**
 * A flag or argument the CLI rejects before any request (`invalid argument "x" for "-m,
 * --memory" flag: …`): printed like commander's usage errors, with `See 'berth CMD --help'.`,
 * and exit 125 as docker's flag errors.
 */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command: string,
    readonly status = 125,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** docker's wording for a flag value its parser refuses. */
export function invalidFlag(command: string, flag: string, value: string, reason: string): UsageError {
  return new UsageError(`invalid argument ${JSON.stringify(value)} for ${JSON.stringify(flag)} flag: ${reason}`, command);
}

/** docker's `withHelp`: `berth: <message>` and the pointer to `--help`, exit 125 (run/create option errors). */
export function withHelp(command: string, message: string): StatusError {
  return new StatusError(125, `berth: ${message}\n\nRun 'berth ${command} --help' for more information`);
}
