/**
 * The Dockerfile parser: a port of BuildKit's frontend/dockerfile/parser (v0.22, as vendored by
 * Docker 28). Text in, an AST of instructions with their line ranges, heredoc bodies and
 * directives out. Evaluation (typed instructions, expansion) happens in later passes.
 *
 * The npm package dockerfile-ast was evaluated for this and is not used: it is an editor
 * parser that never fails and gets Docker's rules wrong where builds depend on them (an escaped
 * escape at the end of a line `RUN echo \\` continues the line; `RUN ["a", "b" ] x` is taken as
 * exec form; `CMD ["a\u0041"]` yields `a0041`; `CMD ["a", 1]` is shell form where Docker fails;
 * heredoc bodies come back as arguments).
 */
import { DockerfileError, messageOf, type LineRange } from '../errors.js';
import { ShellLex, envsFromList } from '../shell/lex.js';
import { trimLeftSpace, trimSpace } from '../shell/unicode.js';
import { DirectiveState, type Directive } from './directives.js';
import { lineParser } from './line-parsers.js';
import { newNode, type Heredoc, type Node } from './node.js';
import { splitCommand } from './split-command.js';

/** A problem the parser tolerates (Docker prints these as `[WARNING]: …`). */
export interface ParseWarning {
  short: string;
  line: number;
}

export interface ParseResult {
  /** The root: one child per instruction. */
  ast: Node;
  /** `\` or `` ` `` (from `# escape=`). */
  escapeToken: string;
  directives: Directive[];
  warnings: ParseWarning[];
}

/** bufio.MaxScanTokenSize: BuildKit reads lines with a bufio.Scanner. */
const MAX_LINE = 64 * 1024;
const HEREDOC_WORD = /^(\d*)<<(-?)[\t\n\f\r ]*([^<]*)$/;
const HEREDOC_KEYWORDS = new Set(['add', 'copy', 'run']);

/**
 * Parses a Dockerfile. Throws a DockerfileError with BuildKit's message and the offending lines
 * for syntax errors; an empty or comment-only file is `file with no instructions`.
 */
export function parseDockerfile(text: string): ParseResult {
  return new Parser(text).parse();
}

class Parser {
  private readonly d = new DirectiveState();
  private readonly lines: string[];
  private index = 0;
  private currentLine = 0;
  private readonly root = newNode();
  private readonly warnings: ParseWarning[] = [];
  private tooLong = false;

  constructor(text: string) {
    this.lines = text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
    if (this.lines.length > 0) this.lines[0] = this.lines[0]!.replace(/^\ufeff/, '');
    this.root.startLine = -1;
  }

  /** The next physical line with its newline, or undefined at the end. */
  private scan(): string | undefined {
    const line = this.lines[this.index];
    if (line === undefined) return undefined;
    // bufio.Scanner's buffer holds MAX_LINE bytes, newline included; a longer line stops the scan.
    if (Buffer.byteLength(line) > MAX_LINE) {
      this.index = this.lines.length;
      this.tooLong = true;
      return undefined;
    }
    this.index++;
    return line;
  }

  parse(): ParseResult {
    let comments: string[] = [];
    for (let raw = this.scan(); raw !== undefined; raw = this.scan()) {
      if (isComment(raw)) {
        const comment = trimSpace(raw.slice(1));
        comments = comment === '' ? [] : [...comments, comment];
      }
      const [stripped, isDirective] = this.processLine(raw, true);
      if (isDirective) comments = comments.slice(0, -1);
      this.currentLine++;
      const startLine = this.currentLine;
      const [first, endsHere] = this.d.trimContinuation(stripped);
      if (endsHere && first.length === 0) continue;
      const line = this.continuation(first, endsHere);
      const child = this.node(line, comments, startLine);
      this.root.startLine = this.root.startLine < 0 ? startLine : this.root.startLine;
      child.startLine = startLine;
      child.endLine = this.currentLine;
      this.root.endLine = this.currentLine;
      this.root.children.push(child);
      comments = [];
    }
    if (this.root.startLine < 0) throw new DockerfileError('file with no instructions', { start: this.currentLine, end: this.currentLine });
    if (this.tooLong) throw new DockerfileError(`dockerfile line greater than max allowed size of ${MAX_LINE - 1}`, { start: this.currentLine, end: this.currentLine });
    return { ast: this.root, escapeToken: this.d.escapeToken, directives: this.d.found, warnings: this.warnings };
  }

  /** Joins the continuation lines of a logical line; comment and blank lines inside are dropped. */
  private continuation(first: string, endsHere: boolean): string {
    let buf = first;
    let emptyContinuation = false;
    let isEnd = endsHere;
    while (!isEnd) {
      const raw = this.scan();
      if (raw === undefined) break;
      const [stripped] = this.processLine(raw, false);
      this.currentLine++;
      if (isComment(raw)) continue;
      if (trimLeftSpace(trimNewline(stripped)).length === 0) {
        emptyContinuation = true;
        continue;
      }
      let part: string;
      [part, isEnd] = this.d.trimContinuation(stripped);
      buf += part;
    }
    if (emptyContinuation) this.warnings.push({ short: `Empty continuation line found in: ${buf}`, line: this.currentLine });
    return buf;
  }

  /** Builds the instruction node and reads the bodies of its heredocs. */
  private node(line: string, comments: string[], startLine: number): Node {
    const range = (): LineRange => ({ start: startLine, end: this.currentLine });
    let child: Node;
    let heredocs: Heredoc[] = [];
    try {
      child = newNodeFromLine(line, this.d.escapeToken, comments);
      if (canContainHeredoc(child) && line.includes('<<')) heredocs = heredocsFromLine(line);
    } catch (err) {
      throw new DockerfileError(messageOf(err), range(), err);
    }
    for (const heredoc of heredocs) {
      let terminated = false;
      for (let raw = this.scan(); raw !== undefined; raw = this.scan()) {
        this.currentLine++;
        let candidate = trimNewline(raw);
        if (heredoc.chomp) candidate = candidate.replace(/^\t+/, '');
        if (candidate === heredoc.name) {
          terminated = true;
          break;
        }
        heredoc.content += raw;
      }
      if (!terminated) throw new DockerfileError('unterminated heredoc', range());
      child.heredocs.push(heredoc);
    }
    return child;
  }

  /** Strips the newline (and leading whitespace on a first line), feeds the directive parser, drops comments. */
  private processLine(raw: string, stripLeft: boolean): [string, boolean] {
    let token = trimNewline(raw);
    if (stripLeft) token = trimLeftSpace(token);
    let isDirective: boolean;
    try {
      isDirective = this.d.feed(token);
    } catch (err) {
      throw new DockerfileError(messageOf(err), { start: this.currentLine, end: this.currentLine }, err);
    }
    return [isComment(token) ? '' : token, isDirective];
  }
}

function trimNewline(s: string): string {
  return s.replace(/[\r\n]+$/, '');
}

function isComment(line: string): boolean {
  return trimLeftSpace(line).startsWith('#');
}

/** Parses one logical line into an instruction node (also ONBUILD's trigger). */
function newNodeFromLine(line: string, escapeToken: string, comments: string[]): Node {
  const { keyword, flags, args } = splitCommand(line, escapeToken);
  const parse = lineParser(keyword.toLowerCase(), escapeToken, (rest) => newNodeFromLine(rest, escapeToken, []));
  const parsed = parse(args);
  const node = newNode(keyword, parsed.node);
  node.original = line;
  node.flags = flags;
  node.attributes = parsed.json ? { json: true } : {};
  node.prevComment = comments;
  return node;
}

/** RUN, COPY and ADD in shell form (also as an ONBUILD trigger) may carry heredocs. */
function canContainHeredoc(node: Node): boolean {
  let target = node;
  if (node.value.toLowerCase() === 'onbuild' && node.next !== undefined && node.next.children.length > 0) target = node.next.children[0]!;
  return HEREDOC_KEYWORDS.has(target.value.toLowerCase()) && target.attributes.json !== true;
}

/** The heredocs a line opens, in order (BuildKit's heredocsFromLine). */
function heredocsFromLine(line: string): Heredoc[] {
  const lex = new ShellLex('\\');
  lex.rawQuotes = true;
  lex.rawEscapes = true;
  lex.skipUnsetEnv = true;
  let words: string[];
  try {
    words = lex.processWords(line, envsFromList([]));
  } catch {
    words = [];
  }
  const docs: Heredoc[] = [];
  for (const word of words) {
    const heredoc = parseHeredoc(word);
    if (heredoc !== undefined) docs.push(heredoc);
  }
  return docs;
}

/**
 * Parses a heredoc opener word (`<<EOF`, `<<-"EOF"`, `3<<'X'`); undefined when `src` is none.
 * A delimiter with any quoted part disables expansion of the body.
 */
export function parseHeredoc(src: string): Heredoc | undefined {
  const m = HEREDOC_WORD.exec(src);
  if (m === null) return undefined;
  const rest = m[3]!;
  if (rest.length === 0) return undefined;
  const lex = new ShellLex('\\');
  lex.skipUnsetEnv = true;
  const words = lex.processWords(rest, envsFromList([]));
  if (words.length !== 1) return undefined;
  lex.rawQuotes = true;
  const wordsRaw = lex.processWords(rest, envsFromList([]));
  if (wordsRaw.length !== words.length) throw new DockerfileError(`internal lexing of heredoc produced inconsistent results: ${rest}`);
  const word = words[0]!;
  const quotes = (s: string): number => s.split(/['"]/).length - 1;
  const fd = m[1] === '' ? 0 : Number.parseInt(m[1]!, 10);
  return { name: word, fileDescriptor: Number.isSafeInteger(fd) ? fd : 0, expand: quotes(word) === quotes(wordsRaw[0]!), chomp: m[2] === '-', content: '' };
}

/** `<<-` bodies lose the leading tabs of every line. */
export function chompHeredocContent(src: string): string {
  return src.replace(/^\t+/gm, '');
}
