/** Text to stages in one call: what the executor starts from. */
import { DockerfileError } from './errors.js';
import { parseInstruction, parseInstructions, type Instructions } from './instructions/parse.js';
import type { Command } from './instructions/types.js';
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

/**
 * An ONBUILD trigger stored in a base image's config, parsed for running after FROM (moby's
 * dispatchTriggeredOnBuild): exactly one instruction, not FROM.
 */
export function parseTrigger(trigger: string): Command {
  const { ast } = parseDockerfile(trigger);
  if (ast.children.length !== 1) throw new DockerfileError('onbuild trigger should be a single expression');
  const parsed = parseInstruction(ast.children[0]!);
  if ('commands' in parsed) throw new DockerfileError(`${parsed.keyword} is not a command type`);
  return parsed;
}
