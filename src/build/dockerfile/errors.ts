/** The error every Dockerfile parse and instruction failure is reported with. */
import { BerthError } from '../../base/errors.js';

/** 1-based lines of the Dockerfile an error or instruction covers. */
export interface LineRange {
  start: number;
  end: number;
}

/**
 * A Dockerfile the builder cannot use. Its message is Docker's text; `range` says where (BuildKit's
 * LocationError), for callers that show the offending lines.
 */
export class DockerfileError extends BerthError {
  readonly range: LineRange | undefined;

  constructor(message: string, range?: LineRange, cause?: unknown) {
    super('InvalidArgument', message, cause === undefined ? {} : { cause });
    this.name = 'DockerfileError';
    this.range = range;
  }
}

/** The message of any thrown value. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
