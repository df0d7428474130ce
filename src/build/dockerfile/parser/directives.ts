/**
 * Parser directives (`# syntax=…`, `# escape=…`, `# check=…`): only in the leading comment lines,
 * before anything else, each at most once. Port of BuildKit's parser/directives.go.
 */
import { DockerfileError } from '../errors.js';

/** A directive found at the top of the Dockerfile. */
export interface Directive {
  /** Lower-cased: `syntax`, `escape` or `check`. */
  name: string;
  value: string;
  line: number;
}

const VALID = new Set(['syntax', 'escape', 'check']);
// Go's RE2 `\s` is [\t\n\f\r ]; JavaScript's is wider.
const DIRECTIVE = /^#[\t\n\f\r ]*([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*([^\n]+?)[\t\n\f\r ]*$/;

/** Tracks the directive block and the escape token it sets. */
export class DirectiveState {
  escapeToken = '\\';
  readonly found: Directive[] = [];
  private line = 0;
  private done = false;
  private readonly seen = new Set<string>();
  private continuation = continuationRegex('\\');

  /**
   * Feeds one line (newline and, for a first line, leading whitespace removed). Returns whether it
   * was a directive; throws for a repeated directive or a bad escape token.
   */
  feed(line: string): boolean {
    this.line++;
    if (this.done) return false;
    const m = DIRECTIVE.exec(line);
    const name = m?.[1]?.toLowerCase();
    if (m === null || name === undefined || !VALID.has(name)) {
      this.done = true;
      return false;
    }
    if (this.seen.has(name)) throw new DockerfileError(`only one ${name} parser directive can be used`);
    this.seen.add(name);
    const value = m[2]!;
    this.found.push({ name, value, line: this.line });
    if (name === 'escape') this.setEscapeToken(value);
    return true;
  }

  private setEscapeToken(s: string): void {
    if (s !== '`' && s !== '\\') throw new DockerfileError(`invalid escape token '${s}' does not match \` or \\`);
    this.escapeToken = s;
    this.continuation = continuationRegex(s);
  }

  /**
   * Strips a line-continuation escape at the end of `line`. Returns the line and whether the
   * logical line ends here. An escaped escape (`\\`) at the end is no continuation.
   */
  trimContinuation(line: string): [string, boolean] {
    if (!this.continuation.test(line)) return [line, true];
    return [line.replace(this.continuation, '$1'), false];
  }
}

function continuationRegex(esc: string): RegExp {
  const e = `\\${esc}`;
  return new RegExp(`([^${e}])${e}[ \\t]*$|^${e}[ \\t]*$`);
}
