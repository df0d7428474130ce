import { BerthError } from '../../base/errors.js';

/**
 * A RUN step whose command failed: Docker reports it as a JSON error with the exit code
 * (`{"errorDetail":{"code":N,"message":…}}`), which docker-py and the CLI read.
 */
export class StepFailedError extends BerthError {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super('InvalidArgument', message);
    this.name = 'StepFailedError';
  }
}

/** The client went away or the build was stopped: moby answers `Build cancelled`. */
export class BuildCancelledError extends BerthError {
  constructor() {
    super('Unavailable', 'Build cancelled');
    this.name = 'BuildCancelledError';
  }
}
