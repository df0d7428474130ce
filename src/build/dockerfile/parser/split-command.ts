/**
 * Splits a logical line into keyword, `--flags` and the rest: BuildKit's parser/split_command.go.
 */
import { isSpace, trimSpace } from '../shell/unicode.js';
import { WHITESPACE, splitN } from './line-parsers.js';

export interface SplitCommand {
  keyword: string;
  flags: string[];
  args: string;
}

export function splitCommand(line: string, escapeToken: string): SplitCommand {
  const parts = splitN(trimSpace(line), WHITESPACE, 2);
  let args = '';
  let flags: string[] = [];
  if (parts.length === 2) [args, flags] = extractBuilderFlags(parts[1]!, escapeToken);
  return { keyword: parts[0]!, flags, args: trimSpace(args) };
}

/**
 * Leading `--name[=value]` words, quotes removed (`--chown="a b"`); stops at the first word that
 * does not start with `--`, or after a bare `--`. Returns the remaining text and the flags.
 */
export function extractBuilderFlags(line: string, escapeToken: string): [string, string[]] {
  const words: string[] = [];
  let phase: 'spaces' | 'word' | 'quote' = 'spaces';
  let word = '';
  let quote = '';
  let blankOK = false;
  for (let pos = 0; pos <= line.length; pos++) {
    const atEnd = pos === line.length;
    let ch = line[pos] ?? '';
    if (phase === 'spaces') {
      if (atEnd) break;
      if (isSpace(ch)) continue;
      if (ch !== '-' || pos + 1 === line.length || line[pos + 1] !== '-') return [line.slice(pos), words];
      phase = 'word';
    }
    if (atEnd) {
      if (word !== '--' && (blankOK || word.length > 0)) words.push(word);
      break;
    }
    if (phase === 'word') {
      if (isSpace(ch)) {
        phase = 'spaces';
        if (word === '--') return [line.slice(pos), words];
        if (blankOK || word.length > 0) words.push(word);
        word = '';
        blankOK = false;
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOK = true;
        phase = 'quote';
        continue;
      }
      if (ch === escapeToken) {
        if (pos + 1 === line.length) continue;
        pos++;
        ch = line[pos]!;
      }
      word += ch;
      continue;
    }
    if (ch === quote) {
      phase = 'word';
      continue;
    }
    if (ch === escapeToken) {
      if (pos + 1 === line.length) {
        phase = 'word';
        continue;
      }
      pos++;
      ch = line[pos]!;
    }
    word += ch;
  }
  return ['', words];
}
