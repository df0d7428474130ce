/**
 * Per-instruction argument parsers, a port of BuildKit's parser/line_parsers.go: each turns the
 * text after the keyword (and its flags) into the linked argument nodes the instruction layer reads.
 */
import { DockerfileError } from '../errors.js';
import { goQuote } from '../go-quote.js';
import { isSpace, trimLeftSpace } from '../shell/unicode.js';
import { newNode, type Node } from './node.js';

/** What a line parser produced: the first argument node and attributes (`json`). */
export interface Parsed {
  node: Node | undefined;
  json: boolean;
}

/** Lets ONBUILD parse its trigger as an instruction of its own. */
export type SubParser = (line: string) => Node;

/** BuildKit's reWhitespace: Go's `[\t\v\f\r ]+` (no newline: lines are already joined). */
export const WHITESPACE = /[\t\v\f\r ]+/;

export const NOT_STRING_ARRAY = 'when using JSON array syntax, arrays must be comprised of strings only';

const none: Parsed = { node: undefined, json: false };

/** Splits on whitespace keeping quoted strings and escapes as written (quotes are removed later). */
export function parseWords(rest: string, escapeToken: string): string[] {
  const words: string[] = [];
  const chars = Array.from(rest);
  let phase: 'spaces' | 'word' | 'quote' = 'spaces';
  let quote = '';
  let blankOK = false;
  let word = '';
  for (let pos = 0; pos <= chars.length; pos++) {
    const atEnd = pos === chars.length;
    let ch = chars[pos] ?? '';
    if (phase === 'spaces') {
      if (atEnd) break;
      if (isSpace(ch)) continue;
      phase = 'word';
    }
    if (atEnd) {
      if (blankOK || word.length > 0) words.push(word);
      break;
    }
    if (phase === 'word') {
      if (isSpace(ch)) {
        phase = 'spaces';
        if (blankOK || word.length > 0) words.push(word);
        word = '';
        blankOK = false;
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOK = true;
        phase = 'quote';
      }
      if (ch === escapeToken) {
        if (pos + 1 === chars.length) continue;
        // An unquoted escape keeps itself and the next character, even a quote.
        word += ch;
        pos++;
        ch = chars[pos]!;
      }
      word += ch;
      continue;
    }
    if (ch === quote) phase = 'word';
    // Inside single quotes the escape token escapes nothing.
    if (ch === escapeToken && quote !== "'") {
      if (pos + 1 === chars.length) {
        phase = 'word';
        continue;
      }
      pos++;
      word += ch;
      ch = chars[pos]!;
    }
    word += ch;
  }
  return words;
}

function keyValueNode(key: string, value: string, sep: string): Node {
  return newNode(key, newNode(value, newNode(sep)));
}

/** ENV and LABEL: `name=value …`, or the legacy `name value with spaces`. */
function parseNameVal(rest: string, key: string, escapeToken: string): Node | undefined {
  const words = parseWords(rest, escapeToken);
  if (words.length === 0) return undefined;
  if (!words[0]!.includes('=')) {
    const parts = splitN(rest, WHITESPACE, 2);
    if (parts.length < 2) throw new DockerfileError(`${key} must have two arguments`);
    return keyValueNode(parts[0]!, parts[1]!, '');
  }
  const nodes = words.map((word) => {
    const eq = word.indexOf('=');
    if (eq < 0) throw new DockerfileError(`Syntax error - can't find = in ${goQuote(word)}. Must be of the form: name=value`);
    return keyValueNode(word.slice(0, eq), word.slice(eq + 1), '=');
  });
  return chain(nodes.flatMap((n) => [n, n.next!, n.next!.next!]));
}

/** Links nodes through `next` and returns the first. */
function chain(nodes: Node[]): Node | undefined {
  for (let i = 0; i + 1 < nodes.length; i++) nodes[i]!.next = nodes[i + 1];
  if (nodes.length > 0) nodes[nodes.length - 1]!.next = undefined;
  return nodes[0];
}

/** Go's regexp.Split(s, n) for n ≥ 1. */
export function splitN(s: string, re: RegExp, n: number): string[] {
  const global = new RegExp(re.source, 'g');
  const out: string[] = [];
  let last = 0;
  for (let m = global.exec(s); m !== null && out.length < n - 1; m = global.exec(s)) {
    if (m[0].length === 0) {
      global.lastIndex++;
      continue;
    }
    out.push(s.slice(last, m.index));
    last = m.index + m[0].length;
  }
  out.push(s.slice(last));
  return out;
}

/** ARG: `name`, `name=`, `name=value`, several per line. */
function parseNameOrNameVal(rest: string, escapeToken: string): Parsed {
  return { node: chain(parseWords(rest, escapeToken).map((w) => newNode(w))), json: false };
}

/** FROM and EXPOSE (and the shell form of the list parsers): split on whitespace, no quoting. */
function parseStringsWhitespaceDelimited(rest: string): Parsed {
  if (rest === '') return none;
  return { node: chain(rest.split(WHITESPACE).map((s) => newNode(s))), json: false };
}

function parseString(rest: string): Parsed {
  return rest === '' ? none : { node: newNode(rest), json: false };
}

class NotJsonArray extends Error {}

/** A JSON array of strings, or NotJsonArray; a non-string element is an error of its own. */
function parseJSON(rest: string): Parsed {
  const text = trimLeftSpace(rest);
  if (!text.startsWith('[')) throw new NotJsonArray();
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new NotJsonArray();
  }
  if (!Array.isArray(value)) throw new NotJsonArray();
  const nodes = value.map((item: unknown) => {
    if (typeof item !== 'string') throw new DockerfileError(NOT_STRING_ARRAY);
    return newNode(item);
  });
  return { node: chain(nodes), json: true };
}

/** RUN, CMD, ENTRYPOINT, SHELL: a JSON array, else the whole text as one shell-form argument. */
function parseMaybeJSON(rest: string): Parsed {
  if (rest === '') return none;
  try {
    return parseJSON(rest);
  } catch (err) {
    if (!(err instanceof NotJsonArray)) throw err;
    return { node: newNode(rest), json: false };
  }
}

/** COPY, ADD, VOLUME: a JSON array, else whitespace-separated words. */
function parseMaybeJSONToList(rest: string): Parsed {
  try {
    return parseJSON(rest);
  } catch (err) {
    if (!(err instanceof NotJsonArray)) throw err;
    return parseStringsWhitespaceDelimited(rest);
  }
}

/** HEALTHCHECK: a type word (`CMD`, `NONE`) and then RUN-like arguments. */
function parseHealthConfig(rest: string): Parsed {
  let sep = 0;
  while (sep < rest.length && !isSpace(rest[sep]!)) sep++;
  let next = sep;
  while (next < rest.length && isSpace(rest[next]!)) next++;
  if (sep === 0) return none;
  const cmd = parseMaybeJSON(rest.slice(next));
  return { node: newNode(rest.slice(0, sep), cmd.node), json: cmd.json };
}

/** ONBUILD: the trigger is parsed as an instruction and becomes the only child. */
function parseSubCommand(rest: string, sub: SubParser): Parsed {
  if (rest === '') return none;
  const node = newNode();
  node.children = [sub(rest)];
  return { node, json: false };
}

/** The argument parser for an instruction keyword (lower case); unknown ones parse to nothing. */
export function lineParser(keyword: string, escapeToken: string, sub: SubParser): (rest: string) => Parsed {
  switch (keyword) {
    case 'add':
    case 'copy':
    case 'volume':
      return parseMaybeJSONToList;
    case 'arg':
      return (rest) => parseNameOrNameVal(rest, escapeToken);
    case 'cmd':
    case 'entrypoint':
    case 'run':
    case 'shell':
      return parseMaybeJSON;
    case 'env':
      return (rest) => ({ node: parseNameVal(rest, 'ENV', escapeToken), json: false });
    case 'label':
      return (rest) => ({ node: parseNameVal(rest, 'LABEL', escapeToken), json: false });
    case 'expose':
    case 'from':
      return parseStringsWhitespaceDelimited;
    case 'healthcheck':
      return parseHealthConfig;
    case 'maintainer':
    case 'stopsignal':
    case 'user':
    case 'workdir':
      return parseString;
    case 'onbuild':
      return (rest) => parseSubCommand(rest, sub);
    default:
      // BuildKit keeps unknown instructions with an empty argument; the instruction layer rejects them.
      return () => ({ node: newNode(), json: false });
  }
}
