/**
 * Variable substitution and word splitting for Dockerfile instructions: a port of BuildKit's
 * frontend/dockerfile/shell/lex.go (v0.22, the version Docker 28 vendors), quirks included, so
 * that the same Dockerfile expands the same way here as under `docker build`.
 */
import { invalidArgument } from '../../../base/errors.js';
import { goQuote } from '../go-quote.js';
import { PatternError, findIndex, replaceAll, replaceFirst, shellPatternToRegex } from './pattern.js';
import { isDigit, isLetter, isSpace } from './unicode.js';

/** Variables visible to an expansion: build args in scope and the stage's ENV. */
export interface EnvGetter {
  /** The value, or undefined when the variable is unset (set-but-empty is ''). */
  get(name: string): string | undefined;
  keys(): string[];
}

/** BuildKit's shell.EnvsFromSlice: `K=V` entries, the last one of a name wins; `K` alone is ''. */
export function envsFromList(env: readonly string[]): EnvGetter {
  const map = new Map<string, string>();
  const keys: string[] = [];
  for (const entry of env) {
    const eq = entry.indexOf('=');
    const key = eq < 0 ? entry : entry.slice(0, eq);
    keys.push(key);
    map.set(key, eq < 0 ? '' : entry.slice(eq + 1));
  }
  return { get: (name) => map.get(name), keys: () => keys };
}

/** What {@link ShellLex.processWordWithMatches} found. */
export interface ProcessWordResult {
  result: string;
  words: string[];
  /** Variables referenced and set. */
  matched: Set<string>;
  /** Variables referenced but unset. */
  unmatched: Set<string>;
}

const EOF = null;
type Ch = string | null;

/** One expansion's scanner and settings (BuildKit's shellWord). */
class ShellWord {
  private pos = 0;
  readonly matched = new Set<string>();
  readonly unmatched = new Set<string>();
  /**
   * BuildKit keeps one words buffer per lexer and resets it on every (nested) processStopOn, so
   * `a${x:-b}c` splits into ["bc"]; kept as is because Docker behaves that way.
   */
  private readonly shared = { buf: '' };

  constructor(
    private readonly lex: ShellLex,
    private readonly chars: string[],
    private readonly env: EnvGetter,
    private rawEscapes: boolean,
  ) {}

  private peek(): Ch {
    return this.chars[this.pos] ?? EOF;
  }

  private next(): Ch {
    const ch = this.chars[this.pos] ?? EOF;
    if (ch !== EOF) this.pos++;
    return ch;
  }

  process(stopChar: Ch, rawEscapes: boolean): { result: string; words: string[] } {
    let result = '';
    this.shared.buf = '';
    const words = new Words(this.shared);
    const saved = this.rawEscapes;
    this.rawEscapes = rawEscapes;
    try {
      while (this.peek() !== EOF) {
        const ch = this.peek()!;
        if (stopChar !== EOF && ch === stopChar) {
          this.next();
          return { result, words: words.getWords() };
        }
        const special = this.special(ch);
        if (special !== undefined) {
          const tmp = special();
          result += tmp;
          if (ch === '$') words.addString(tmp);
          else words.addRawString(tmp);
          continue;
        }
        let c = this.next()!;
        if (c === this.lex.escapeToken) {
          if (this.rawEscapes) {
            words.addRawChar(c);
            result += c;
          }
          const escaped = this.next();
          if (escaped === EOF) break;
          c = escaped;
          words.addRawChar(c);
        } else {
          words.addChar(c);
        }
        result += c;
      }
      if (stopChar !== EOF) throw invalidArgument(`unexpected end of statement while looking for matching ${stopChar}`);
      return { result, words: words.getWords() };
    } finally {
      this.rawEscapes = saved;
    }
  }

  private special(ch: string): (() => string) | undefined {
    if (ch === '$') return () => this.dollar();
    if (ch === '<') return () => this.possibleHeredoc();
    if (this.lex.skipProcessQuotes) return undefined;
    if (ch === "'") return () => this.singleQuote();
    if (ch === '"') return () => this.doubleQuote();
    return undefined;
  }

  private singleQuote(): string {
    let result = '';
    const open = this.next()!;
    if (this.lex.rawQuotes) result += open;
    for (;;) {
      const ch = this.next();
      if (ch === EOF) throw invalidArgument('unexpected end of statement while looking for matching single-quote');
      if (ch === "'") {
        if (this.lex.rawQuotes) result += ch;
        return result;
      }
      result += ch;
    }
  }

  private doubleQuote(): string {
    let result = '';
    const open = this.next()!;
    if (this.lex.rawQuotes) result += open;
    for (;;) {
      const peeked = this.peek();
      if (peeked === EOF) throw invalidArgument('unexpected end of statement while looking for matching double-quote');
      if (peeked === '"') {
        this.next();
        if (this.lex.rawQuotes) result += '"';
        return result;
      }
      if (peeked === '$') {
        result += this.dollar();
        continue;
      }
      let ch = this.next()!;
      if (ch === this.lex.escapeToken) {
        if (this.rawEscapes) result += ch;
        const after = this.peek();
        if (after === EOF) continue;
        if (after === '"' || after === '$' || after === this.lex.escapeToken) ch = this.next()!;
      }
      result += ch;
    }
  }

  private dollar(): string {
    this.next();
    if (this.peek() !== '{') {
      const name = this.name();
      if (name === '') return '$';
      const value = this.getEnv(name);
      if (value === undefined && this.lex.skipUnsetEnv) return '$' + name;
      return value ?? '';
    }
    this.next();
    const first = this.peek();
    if (first === EOF) throw invalidArgument("syntax error: missing '}'");
    if (first === '{' || first === '}' || first === ':') throw invalidArgument('syntax error: bad substitution');
    const name = this.name();
    let ch = this.next();
    // Go's string(rune(EOF)) is U+FFFD, which BuildKit's messages then contain.
    let chs = ch ?? '\ufffd';
    if (ch === '}') {
      const value = this.getEnv(name);
      if (value === undefined && this.lex.skipUnsetEnv) return `\${${name}}`;
      return value ?? '';
    }
    if (ch === '/') return this.substitute(name);
    let nullIsUnset = false;
    if (ch === ':') {
      nullIsUnset = true;
      ch = this.next();
      chs += ch ?? '\ufffd';
    } else if (ch === null || !'+-?#%'.includes(ch)) {
      throw invalidArgument(`unsupported modifier (${chs}) in substitution`);
    }
    return this.modifier(name, ch, chs, nullIsUnset);
  }

  /** `${name<op>word}` for the operators `- + ? # %` (and their `:` forms). */
  private modifier(name: string, ch: Ch, chs: string, nullIsUnset: boolean): string {
    const rawEscapes = ch === '#' || ch === '%';
    if (nullIsUnset && rawEscapes) throw invalidArgument(`unsupported modifier (${chs}) in substitution`);
    let word = this.nested('}', rawEscapes, "syntax error: missing '}'");
    const value = this.getEnv(name);
    if (this.lex.skipUnsetEnv && value === undefined) return `\${${name}${chs}${word}}`;
    const unsetOrNull = value === undefined || (nullIsUnset && value === '');
    switch (ch) {
      case '-':
        return unsetOrNull ? word : value!;
      case '+':
        return unsetOrNull ? '' : word;
      case '?':
        if (value === undefined) throw invalidArgument(`${name}: ${word !== '' ? word : 'is not allowed to be unset'}`);
        if (nullIsUnset && value === '') throw invalidArgument(`${name}: ${word !== '' ? word : 'is not allowed to be empty'}`);
        return value;
      case '%':
      case '#': {
        const greedy = word.startsWith(ch);
        if (greedy) word = word.slice(1);
        return ch === '%' ? trimSuffix(word, value ?? '', greedy) : trimPrefix(word, value ?? '', greedy);
      }
      default:
        throw invalidArgument(`unsupported modifier (${chs}) in substitution`);
    }
  }

  /** `${name/pattern/replacement}` and `${name//pattern/replacement}`. */
  private substitute(name: string): string {
    const all = this.peek() === '/';
    if (all) this.next();
    const pattern = this.nested('/', true, "syntax error: missing '/' in ${}");
    const replacement = this.nested('}', true, "syntax error: missing '}'");
    const value = this.getEnv(name);
    if (this.lex.skipUnsetEnv && value === undefined) return `\${${name}/${pattern}/${replacement}}`;
    const re = compile(pattern, true, false);
    return all ? replaceAll(re, value ?? '', replacement) : replaceFirst(re, value ?? '', replacement);
  }

  /** A nested word up to `stop`; an unterminated one at the end of input gets `eofMessage`. */
  private nested(stop: string, rawEscapes: boolean, eofMessage: string): string {
    try {
      return this.process(stop, rawEscapes).result;
    } catch (err) {
      if (this.peek() === EOF) throw invalidArgument(eofMessage);
      throw err;
    }
  }

  private name(): string {
    let name = '';
    while (this.peek() !== EOF) {
      const ch = this.peek()!;
      if (name === '' && isDigit(ch)) {
        while (this.peek() !== EOF && isDigit(this.peek()!)) name += this.next()!;
        return name;
      }
      if (name === '' && '@*#?-$!0'.includes(ch)) return this.next()!;
      if (!isLetter(ch) && !isDigit(ch) && ch !== '_') break;
      name += this.next()!;
    }
    return name;
  }

  private possibleHeredoc(): string {
    this.next();
    if (this.peek() !== '<') return '<';
    this.next();
    let space = '';
    for (let ch = this.peek(); ch === '\t' || ch === '\r' || ch === ' '; ch = this.peek()) {
      space += ch;
      this.next();
    }
    return '<<' + space;
  }

  private getEnv(name: string): string | undefined {
    const value = this.env.get(name);
    if (value !== undefined) this.matched.add(name);
    else this.unmatched.add(name);
    return value;
  }
}

/** BuildKit's wordsStruct: splits on unquoted whitespace that came from the input or a `$var`. */
class Words {
  private readonly words: string[] = [];
  private inWord = false;

  constructor(private readonly shared: { buf: string }) {}

  addChar(ch: string): void {
    if (isSpace(ch)) {
      if (this.inWord && this.shared.buf.length !== 0) {
        this.words.push(this.shared.buf);
        this.shared.buf = '';
        this.inWord = false;
      }
    } else {
      this.addRawChar(ch);
    }
  }

  addRawChar(ch: string): void {
    this.shared.buf += ch;
    this.inWord = true;
  }

  addString(s: string): void {
    for (const ch of s) this.addChar(ch);
  }

  addRawString(s: string): void {
    this.shared.buf += s;
    this.inWord = true;
  }

  getWords(): string[] {
    if (this.shared.buf.length > 0) {
      this.words.push(this.shared.buf);
      this.shared.buf = '';
      this.inWord = false;
    }
    return this.words;
  }
}

function compile(pattern: string, greedy: boolean, anchored: boolean): RegExp {
  try {
    return shellPatternToRegex(pattern, greedy, anchored);
  } catch (err) {
    if (err instanceof PatternError) throw invalidArgument(`invalid pattern (${pattern}) in substitution: ${err.message}`);
    throw err;
  }
}

function trimPrefix(pattern: string, value: string, greedy: boolean): string {
  const idx = findIndex(compile(pattern, greedy, true), value);
  return idx === undefined ? value : value.slice(idx[1]);
}

/** Shortest/longest suffix match as a prefix match on the reversed value and pattern. */
function trimSuffix(pattern: string, value: string, greedy: boolean): string {
  return reverseString(trimPrefix(reversePattern(pattern), reverseString(value), greedy));
}

export function reverseString(s: string): string {
  return Array.from(s).reverse().join('');
}

/** Reverses a pattern keeping escapes in front of what they escape: `a\*c` → `c\*a`. */
export function reversePattern(pattern: string): string {
  const runes = Array.from(pattern);
  const out: string[] = new Array<string>(runes.length);
  const last = runes.length - 1;
  for (let i = 0; i <= last; ) {
    const tok = runes[i]!;
    const outIdx = last - i;
    if (tok === '\\' && i !== last) {
      out[outIdx - 1] = tok;
      out[outIdx] = runes[i + 1]!;
      i += 2;
    } else {
      out[outIdx] = tok;
      i++;
    }
  }
  return out.join('');
}

/**
 * Performs shell-style quote removal, variable expansion and word splitting over one instruction
 * argument. Each call has its own state, so one lexer serves any number of expansions.
 */
export class ShellLex {
  /** Keep quote characters in the result (heredoc detection). */
  rawQuotes = false;
  /** Keep escape characters in the result. */
  rawEscapes = false;
  /** Treat quotes as ordinary characters. */
  skipProcessQuotes = false;
  /** Leave references to unset variables as written. */
  skipUnsetEnv = false;

  constructor(readonly escapeToken: string = '\\') {}

  /** Expands `word` as one string (whitespace kept); throws InvalidArgument as BuildKit words it. */
  processWord(word: string, env: EnvGetter): string {
    return this.processWordWithMatches(word, env).result;
  }

  /** Expands `word` and splits the result into words (after expansion, honouring quotes). */
  processWords(word: string, env: EnvGetter): string[] {
    return this.processWordWithMatches(word, env).words;
  }

  processWordWithMatches(word: string, env: EnvGetter): ProcessWordResult {
    const sw = new ShellWord(this, Array.from(word), env, this.rawEscapes);
    try {
      const { result, words } = sw.process(EOF, this.rawEscapes);
      return { result, words, matched: sw.matched, unmatched: sw.unmatched };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      throw invalidArgument(`failed to process ${goQuote(word)}: ${message}`, err);
    }
  }
}
