/** Text to stages in one call: what the executor starts from. */
import { parseInstructions, type Instructions } from './instructions/parse.js';
import { parseDockerfile, type ParseResult } from './parser/parser.js';

export interface Dockerfile extends Instructions {
  escapeToken: string;
  parsed: ParseResult;
}

/**
 * Parses a Dockerfile into stages and meta ARGs. Throws DockerfileError with Docker's message
 * (`dockerfile parse error on line N: …` for instruction errors).
 */
export function loadDockerfile(text: string): Dockerfile {
  const parsed = parseDockerfile(text);
  return { ...parseInstructions(parsed.ast), escapeToken: parsed.escapeToken, parsed };
}
