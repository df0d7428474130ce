/**
 * The subset of Go's text/template that docker's `--format` relies on, with the functions
 * docker/cli registers (templates/templates.go). Lexing, parsing and evaluation follow
 * text/template/parse and exec.go closely so that output and error messages line up.
 *
 * Data model: `undefined` is Go's "no value" (a missing map key), `null` is nil. A class
 * instance is a Go struct (unknown fields are errors, methods may be called); plain objects
 * and `Map`s are Go maps (a missing key yields `<no value>`), unless `structRoot` marks the
 * root object as the struct docker's formatter contexts are.
 */
import { BerthError } from '../../base/errors.js';
import { formatG } from './units.js';

/** A template function; throw to fail execution (`error calling NAME: …`). */
export type TemplateFunc = (...args: unknown[]) => unknown;

export interface TemplateOptions {
  /** Extra or overriding functions (docker swaps in identity functions for table headers). */
  funcs?: Record<string, TemplateFunc>;
  /** Treat the root data as a Go struct: unknown fields are errors instead of `<no value>`. */
  structRoot?: boolean;
  /** Return the output written before an execution error instead of throwing (docker's table header). */
  partial?: boolean;
  /** Go's `Option("missingkey=error")`: a missing map key fails (`map has no entry for key "X"`). */
  missingKeyError?: boolean;
  /** Struct fields and map keys match only by their exact name, as in Go. */
  exactFields?: boolean;
}

type Tok = { t: string; v: string; pos: number };
type Arg =
  | { k: 'field'; pos: number; idents: string[] }
  | { k: 'var'; pos: number; name: string; idents: string[] }
  | { k: 'dot' | 'nil'; pos: number }
  | { k: 'ident'; pos: number; name: string }
  | { k: 'const'; pos: number; value: unknown; text: string }
  | { k: 'pipe'; pos: number; pipe: Pipe }
  | { k: 'chain'; pos: number; node: Arg; idents: string[] };
type Cmd = { pos: number; args: Arg[] };
type Pipe = { pos: number; decl: string[]; isAssign: boolean; cmds: Cmd[] };
type ControlNode = { k: 'if' | 'with' | 'range'; pipe: Pipe; list: Node[]; elseList: Node[] | undefined };
type Node =
  | { k: 'text'; text: string }
  | { k: 'action'; pipe: Pipe }
  | ControlNode
  | { k: 'break' | 'continue' | 'end' | 'else'; pos: number };

const KEYWORDS = new Set(['block', 'break', 'continue', 'define', 'else', 'end', 'if', 'range', 'template', 'with', 'nil']);
const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isAlnum = (c: string | undefined) => c !== undefined && /^[\p{L}\p{Nd}_]$/u.test(c);
const lineOf = (text: string, pos: number) => text.slice(0, pos).split('\n').length;
/** Go's `%#U`: `U+0021 '!'`. */
const goRune = (cp: number) => `U+${cp.toString(16).toUpperCase().padStart(4, '0')} '${String.fromCodePoint(cp)}'`;

function lex(input: string): Tok[] {
  const toks: Tok[] = [];
  let pos = 0;
  const push = (t: string, v: string, at = pos) => toks.push({ t, v, pos: at });
  const fail = (msg: string) => (push('error', msg), toks);
  const rightDelim = (p: number): [boolean, boolean] =>
    isSpace(input[p]) && input[p + 1] === '-' && input.startsWith('}}', p + 2) ? [true, true] : [input.startsWith('}}', p), false];
  const skipSpace = () => { while (isSpace(input[pos])) pos++; };
  for (;;) {
    const open = input.indexOf('{{', pos);
    if (open < 0) {
      if (pos < input.length) push('text', input.slice(pos));
      push('eof', '', input.length);
      return toks;
    }
    const trimLeft = input[open + 2] === '-' && isSpace(input[open + 3]);
    let text = input.slice(pos, open);
    if (trimLeft) text = text.replace(/[ \t\r\n]+$/, '');
    if (text !== '') push('text', text);
    pos = open + 2 + (trimLeft ? 2 : 0);
    if (input.startsWith('/*', pos)) {
      const close = input.indexOf('*/', pos + 2);
      if (close < 0) return fail('unclosed comment');
      pos = close + 2;
      const [delim, trim] = rightDelim(pos);
      if (!delim) return fail('comment ends before closing delimiter');
      pos += trim ? 4 : 2;
      if (trim) skipSpace();
      continue;
    }
    push('ldelim', '{{', open);
    let depth = 0;
    for (;;) {
      const [delim, trim] = rightDelim(pos);
      if (delim) {
        if (depth > 0) return fail('unclosed left paren');
        pos += trim ? 2 : 0;
        push('rdelim', '}}');
        pos += 2;
        if (trim) skipSpace();
        break;
      }
      const c = input[pos];
      const start = pos;
      if (c === undefined) return fail('unclosed action');
      if (isSpace(c)) {
        while (isSpace(input[pos])) pos++;
        // A trim-marked right delimiter owns the space before its '-'.
        if (input[pos] === '-' && input.startsWith('}}', pos + 1)) pos--;
        if (pos > start) push('space', input.slice(start, pos), start);
      } else if (c === ':') {
        if (input[pos + 1] !== '=') return fail('expected :=');
        pos += 2;
        push('declare', ':=', start);
      } else if ('=|(),'.includes(c)) {
        pos++;
        if (c === '(') depth++;
        if (c === ')' && --depth < 0) return fail('unexpected right paren');
        push({ '=': 'assign', '|': 'pipe', '(': 'lparen', ')': 'rparen', ',': 'char' }[c] ?? 'char', c, start);
      } else if (c === '"' || c === '`' || c === "'") {
        const re = c === '`' ? /^`[^`]*`/ : c === '"' ? /^"(?:[^"\\\n]|\\[^\n])*"/ : /^'(?:[^'\\\n]|\\[^\n])*'/;
        const m = re.exec(input.slice(pos));
        if (m === null) {
          return fail({ '"': 'unterminated quoted string', '`': 'unterminated raw quoted string', "'": 'unterminated character constant' }[c]);
        }
        pos += m[0].length;
        push(c === "'" ? 'charconst' : 'string', m[0], start);
      } else if ((c === '.' || c === '$') && !/[0-9]/.test(input[pos + 1] ?? '')) {
        pos++;
        while (isAlnum(input[pos])) pos++;
        const n = input[pos];
        if (!(isSpace(n) || n === undefined || '.,|:()'.includes(n) || input.startsWith('}}', pos))) {
          return fail(`bad character ${goRune(input.codePointAt(pos)!)}`);
        }
        const word = input.slice(start, pos);
        push(c === '$' ? 'var' : word === '.' ? 'dot' : 'field', word, start);
      } else if (/[-+.0-9]/.test(c)) {
        const m = /^[+-]?(?:0[xX][\da-fA-F_]*(?:\.[\da-fA-F_]*)?(?:[pP][+-]?[\d_]+)?|0[bB][01_]*|0[oO][0-7_]*|[\d_]*(?:\.[\d_]*)?(?:[eE][+-]?[\d_]+)?)i?/.exec(input.slice(pos))!;
        pos += m[0].length;
        if (!/\d/.test(m[0]) || isAlnum(input[pos])) return fail(`bad number syntax: ${JSON.stringify(input.slice(start, pos + 1))}`);
        push('number', m[0], start);
      } else if (isAlnum(c)) {
        while (isAlnum(input[pos])) pos++;
        const word = input.slice(start, pos);
        push(KEYWORDS.has(word) ? word : word === 'true' || word === 'false' ? 'bool' : 'ident', word, start);
      } else if (c >= ' ' && c <= '~') {
        pos++;
        push('char', c, start);
      } else {
        return fail(`unrecognized character in action: ${goRune(input.codePointAt(pos)!)}`);
      }
    }
  }
}

/** strconv.Unquote for Go string, raw string and rune literals. */
function unquote(lit: string): string {
  if (lit[0] === '`') return lit.slice(1, -1).replaceAll('\r', '');
  return lit.slice(1, -1).replace(/\\(?:x([\da-fA-F]{2})|u([\da-fA-F]{4})|U([\da-fA-F]{8})|([0-7]{3})|(.))/g, (all, x, u, U, o, c: string) => {
    if (x ?? u ?? U ?? o) return String.fromCodePoint(parseInt(x ?? u ?? U ?? o, o ? 8 : 16));
    const simple: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', "'": "'", '"': '"' };
    if (simple[c] === undefined) throw new Error(`invalid syntax: ${all}`);
    return simple[c];
  });
}

function parseNumber(text: string): number {
  const neg = text.startsWith('-');
  const body = text.replace(/^[+-]/, '').replaceAll('_', '');
  const n = /^0[0-7]+$/.test(body) ? parseInt(body, 8) : /^0[oO]/.test(body) ? parseInt(body.slice(2), 8) : Number(body);
  if (Number.isNaN(n) || body.endsWith('i')) throw new Error(`illegal number syntax: ${JSON.stringify(text)}`);
  return neg ? -n : n;
}

const tokString = (tok: Tok) =>
  tok.t === 'eof' ? 'EOF' : tok.t === 'error' ? tok.v : KEYWORDS.has(tok.t) || tok.t === 'dot' ? `<${tok.v}>`
    : [...tok.v].length > 10 ? `${JSON.stringify([...tok.v].slice(0, 10).join(''))}...` : JSON.stringify(tok.v);

class Parser {
  private i = 0;
  private vars = ['$'];
  private rangeDepth = 0;
  constructor(private readonly text: string, private readonly toks: Tok[], private readonly funcs: Record<string, unknown>) {}

  private next(): Tok { return this.toks[Math.min(this.i++, this.toks.length - 1)]!; }
  private peek(): Tok { return this.toks[Math.min(this.i, this.toks.length - 1)]!; }
  private nextNonSpace(): Tok { let t = this.next(); while (t.t === 'space') t = this.next(); return t; }
  private peekNonSpace(): Tok { const t = this.nextNonSpace(); this.i--; return t; }
  private fail(msg: string, tok: Tok = this.toks[Math.min(Math.max(0, this.i - 1), this.toks.length - 1)]!): never {
    throw new Error(`template: :${lineOf(this.text, tok.pos)}: ${msg}`);
  }
  private unexpected(tok: Tok, context: string): never {
    this.fail(tok.t === 'error' ? tok.v : `unexpected ${tokString(tok)} in ${context}`, tok);
  }
  private expect(type: string, context: string): Tok {
    const tok = this.nextNonSpace();
    if (tok.t !== type) this.unexpected(tok, context);
    return tok;
  }

  parse(): Node[] {
    const root: Node[] = [];
    while (this.peek().t !== 'eof') {
      const n = this.textOrAction();
      if (n.k === 'end' || n.k === 'else') this.fail(`unexpected {{${n.k}}}`);
      root.push(n);
    }
    return root;
  }

  private itemList(): [Node[], Node] {
    const list: Node[] = [];
    while (this.peekNonSpace().t !== 'eof') {
      const n = this.textOrAction();
      if (n.k === 'end' || n.k === 'else') return [list, n];
      list.push(n);
    }
    return this.fail('unexpected EOF', this.peek());
  }

  private textOrAction(): Node {
    const tok = this.nextNonSpace();
    if (tok.t === 'text') return { k: 'text', text: tok.v };
    if (tok.t !== 'ldelim') this.unexpected(tok, 'input');
    const kw = this.nextNonSpace();
    switch (kw.t) {
      case 'break': case 'continue':
        if (this.nextNonSpace().t !== 'rdelim') this.unexpected(this.toks[this.i - 1]!, `{{${kw.t}}}`);
        if (this.rangeDepth === 0) this.fail(`{{${kw.t}}} outside {{range}}`);
        return { k: kw.t, pos: kw.pos };
      case 'else': {
        const p = this.peekNonSpace();
        if (p.t !== 'if' && p.t !== 'with') this.expect('rdelim', 'else');
        return { k: 'else', pos: kw.pos };
      }
      case 'end': this.expect('rdelim', 'end'); return { k: 'end', pos: kw.pos };
      case 'if': case 'with': case 'range': return this.control(kw.t);
      case 'block': case 'define': case 'template': this.fail(`{{${kw.t}}} is not supported`);
    }
    this.i--;
    return { k: 'action', pipe: this.pipeline('command', 'rdelim') };
  }

  private control(kind: 'if' | 'with' | 'range'): Node {
    const mark = this.vars.length;
    const pipe = this.pipeline(kind, 'rdelim');
    if (kind === 'range') this.rangeDepth++;
    const [list, next] = this.itemList();
    if (kind === 'range') this.rangeDepth--;
    let elseList: Node[] | undefined;
    if (next.k === 'else') {
      if (kind !== 'range' && this.peek().t === kind) {
        // "{{else if …}}" is "{{else}}{{if …}}…{{end}}" sharing the outer {{end}}.
        this.next();
        elseList = [this.control(kind)];
      } else {
        let end: Node;
        [elseList, end] = this.itemList();
        if (end.k !== 'end') this.fail(`expected end; found {{${end.k}}}`);
      }
    }
    this.vars.length = mark;
    return { k: kind, pipe, list, elseList };
  }

  private pipeline(context: string, end: string): Pipe {
    const pipe: Pipe = { pos: this.peekNonSpace().pos, decl: [], isAssign: false, cmds: [] };
    const v = this.peekNonSpace();
    if (v.t === 'var') {
      const save = this.i;
      this.nextNonSpace();
      const n = this.peekNonSpace();
      if (n.t === 'assign' || n.t === 'declare' || (n.t === 'char' && n.v === ',')) {
        this.nextNonSpace();
        pipe.isAssign = n.t === 'assign';
        pipe.decl.push(v.v);
        if (n.t !== 'assign') this.vars.push(v.v);
        if (n.t === 'char') {
          const second = this.peekNonSpace();
          if (context !== 'range' || second.t !== 'var') this.fail(context === 'range' ? 'range can only initialize variables' : `too many declarations in ${context}`);
          this.nextNonSpace();
          const op = this.nextNonSpace();
          if (op.t !== 'declare' && op.t !== 'assign') this.unexpected(op, context);
          pipe.isAssign = op.t === 'assign';
          pipe.decl.push(second.v);
          if (op.t !== 'assign') this.vars.push(second.v);
        }
      } else {
        this.i = save;
      }
    }
    for (;;) {
      const tok = this.nextNonSpace();
      if (tok.t === end) break;
      if (!['bool', 'charconst', 'dot', 'field', 'ident', 'number', 'nil', 'string', 'var', 'lparen'].includes(tok.t)) this.unexpected(tok, context);
      this.i--;
      pipe.cmds.push(this.command());
    }
    if (pipe.cmds.length === 0) this.fail(`missing value for ${context}`);
    pipe.cmds.slice(1).forEach((c, i) => {
      const first = c.args[0]!;
      if (first.k === 'dot' || first.k === 'nil' || first.k === 'const') this.fail(`non executable command in pipeline stage ${i + 2}`);
    });
    return pipe;
  }

  private command(): Cmd {
    const cmd: Cmd = { pos: this.peekNonSpace().pos, args: [] };
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand !== undefined) cmd.args.push(operand);
      const tok = this.next();
      if (tok.t === 'space') continue;
      if (tok.t === 'rdelim' || tok.t === 'rparen') this.i--;
      else if (tok.t !== 'pipe') this.unexpected(tok, 'operand');
      break;
    }
    if (cmd.args.length === 0) this.fail('empty command');
    return cmd;
  }

  private operand(): Arg | undefined {
    const node = this.term();
    if (node === undefined || this.peek().t !== 'field') return node;
    // Like Go's parser, a chained field takes the position of its second field (`.Size` in
    // `.UsageData.Size`), which execution errors report.
    const pos = this.peek().pos;
    const idents: string[] = [];
    while (this.peek().t === 'field') idents.push(this.next().v.slice(1));
    if (node.k === 'field' || node.k === 'var') return { ...node, pos, idents: [...node.idents, ...idents] };
    if (node.k === 'const' || node.k === 'nil' || node.k === 'dot') this.fail(`unexpected . after term ${JSON.stringify(argString(node))}`);
    return { k: 'chain', pos, node, idents };
  }

  private term(): Arg | undefined {
    const tok = this.nextNonSpace();
    const pos = tok.pos;
    try {
      switch (tok.t) {
        case 'ident':
          if (!(tok.v in this.funcs)) this.fail(`function ${JSON.stringify(tok.v)} not defined`);
          return { k: 'ident', pos, name: tok.v };
        case 'dot': case 'nil': return { k: tok.t, pos };
        case 'var':
          if (!this.vars.includes(tok.v)) this.fail(`undefined variable ${JSON.stringify(tok.v)}`);
          return { k: 'var', pos, name: tok.v, idents: [] };
        case 'field': return { k: 'field', pos, idents: [tok.v.slice(1)] };
        case 'bool': return { k: 'const', pos, value: tok.v === 'true', text: tok.v };
        case 'number': return { k: 'const', pos, value: parseNumber(tok.v), text: tok.v };
        case 'charconst': {
          const s = [...unquote(tok.v)];
          if (s.length !== 1) throw new Error(`malformed character constant: ${tok.v}`);
          return { k: 'const', pos, value: s[0]!.codePointAt(0), text: tok.v };
        }
        case 'string': return { k: 'const', pos, value: unquote(tok.v), text: tok.v };
        case 'lparen': return { k: 'pipe', pos, pipe: this.pipeline('parenthesized pipeline', 'rparen') };
      }
    } catch (err) {
      if (err instanceof Error && err.message.startsWith('template:')) throw err;
      this.fail(err instanceof Error ? err.message : String(err), tok);
    }
    this.i--;
    return undefined;
  }
}

function argString(a: Arg): string {
  switch (a.k) {
    case 'field': return a.idents.map((i) => `.${i}`).join('');
    case 'var': return a.name + a.idents.map((i) => `.${i}`).join('');
    case 'dot': return '.';
    case 'nil': return 'nil';
    case 'ident': return a.name;
    case 'const': return a.text;
    case 'pipe': return `(${pipeString(a.pipe)})`;
    case 'chain': return argString(a.node) + a.idents.map((i) => `.${i}`).join('');
  }
}
const cmdString = (c: Cmd) => c.args.map(argString).join(' ');
const pipeString = (p: Pipe) =>
  (p.decl.length > 0 ? `${p.decl.join(', ')} ${p.isAssign ? '=' : ':='} ` : '') + p.cmds.map(cmdString).join(' | ');


// ---- evaluation (text/template/exec.go) ----

const MISSING = Symbol('missing');
const BREAK = Symbol('break');
const CONTINUE = Symbol('continue');
class ExecError extends Error {}

const isClassInstance = (v: unknown): v is object => {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Map) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto !== Object.prototype && proto !== null;
};
const isMapLike = (v: unknown): v is Record<string, unknown> | Map<unknown, unknown> =>
  v instanceof Map || (typeof v === 'object' && v !== null && !Array.isArray(v) && !isClassInstance(v));
const sortedEntries = (m: Record<string, unknown> | Map<unknown, unknown>): [string, unknown][] =>
  (m instanceof Map ? [...m].map(([k, v]): [string, unknown] => [fmtValue(k), v]) : Object.entries(m))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/** Go's type names, for error messages. */
function goType(v: unknown): string {
  if (v === undefined || v === null) return '<nil>';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float64';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'string') return 'string';
  if (Array.isArray(v)) return '[]interface {}';
  if (isMapLike(v)) return 'map[string]interface {}';
  if (typeof v === 'function') return 'func';
  return (v as object).constructor.name;
}

/** Truth as Go's `if` sees it: zero values, nil and empty collections are false. */
function truth(v: unknown): boolean {
  if (v === undefined || v === null || v instanceof NilPointer) return false;
  if (typeof v === 'string' || Array.isArray(v)) return v.length > 0;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return Boolean(v);
  if (v instanceof Map) return v.size > 0;
  if (isMapLike(v)) return Object.keys(v).length > 0;
  return true;
}

/** `fmt.Sprint`'s `%v`. */
function fmtValue(v: unknown): string {
  if (v === undefined || v === null) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v).toString() : formatG(v, -1);
  if (typeof v !== 'object') return String(v);
  if (Array.isArray(v)) return `[${v.map(fmtValue).join(' ')}]`;
  if (isMapLike(v)) return `map[${sortedEntries(v).map(([k, x]) => `${k}:${fmtValue(x)}`).join(' ')}]`;
  if (v instanceof Date) return v.toISOString().replace('T', ' ').replace(/(\.000)?Z$/, ' +0000 UTC');
  if (v instanceof Error) return v.message;
  // A class with its own toString plays the part of a fmt.Stringer.
  if (v.toString !== Object.prototype.toString) return String(v);
  return `{${Object.values(v).map(fmtValue).join(' ')}}`;
}

/**
 * A typed nil pointer, Go's `(*T)(nil)` in a struct field (e.g. a volume's `UsageData`): prints
 * `<nil>`, is false, marshals as `null`, and reading a field through it fails as in Go
 * (`nil pointer evaluating *volume.UsageData.Size`; a field the type lacks: `can't evaluate
 * field X in type *volume.UsageData`, when `fields` lists the type's fields).
 */
export class NilPointer {
  constructor(
    readonly typeName: string,
    readonly fields?: readonly string[],
  ) {}

  toJSON(): null {
    return null;
  }

  toString(): string {
    return '<nil>';
  }
}

type Var = { name: string; value: unknown };

class Exec {
  out: string[] = [];
  private vars: Var[];
  private at: { pos: number; str: string } = { pos: 0, str: '' };

  constructor(
    private readonly text: string,
    private readonly funcs: Record<string, FuncDef>,
    private readonly root: unknown,
    private readonly structRoot: boolean,
    private readonly missingKeyError = false,
    private readonly exactFields = false,
  ) {
    this.vars = [{ name: '$', value: root }];
  }

  private mark(a: Arg | Cmd): void {
    this.at = { pos: a.pos, str: 'args' in a ? cmdString(a) : argString(a) };
  }

  fail(msg: string): never {
    const before = this.text.slice(0, this.at.pos);
    const col = this.at.pos - (before.lastIndexOf('\n') + 1);
    throw new ExecError(`template: :${lineOf(this.text, this.at.pos)}:${col}: executing "" at <${this.at.str}>: ${msg}`);
  }

  walk(dot: unknown, nodes: Node[]): void {
    for (const n of nodes) {
      switch (n.k) {
        case 'text': this.out.push(n.text); break;
        case 'action': {
          const v = this.evalPipeline(dot, n.pipe);
          if (n.pipe.decl.length === 0) this.out.push(this.printable(v));
          break;
        }
        case 'if': case 'with': {
          const mark = this.vars.length;
          const v = this.evalPipeline(dot, n.pipe);
          if (truth(v)) this.walk(n.k === 'with' ? v : dot, n.list);
          else if (n.elseList) this.walk(dot, n.elseList);
          this.vars.length = mark;
          break;
        }
        case 'range': this.walkRange(dot, n); break;
        case 'break': throw BREAK;
        case 'continue': throw CONTINUE;
      }
    }
  }

  private printable(v: unknown): string {
    if (v === undefined) return '<no value>';
    if (typeof v === 'function') this.fail(`can't print ${fmtValue(v)} of type func`);
    return fmtValue(v);
  }

  private walkRange(dot: unknown, n: ControlNode): void {
    const mark = this.vars.length;
    const val = this.evalPipeline(dot, { ...n.pipe, decl: [] });
    let items: [unknown, unknown][];
    if (val === undefined || val === null) items = [];
    else if (Array.isArray(val)) items = val.map((e, i) => [i, e]);
    else if (isMapLike(val)) items = sortedEntries(val);
    else if (typeof val === 'number' && Number.isInteger(val)) {
      if (n.pipe.decl.length > 1) this.fail(`can't use ${val} to iterate over more than one variable`);
      items = Array.from({ length: Math.max(val, 0) }, (_, i) => [i, i]);
    } else this.fail(`range can't iterate over ${fmtValue(val)}`);
    try {
      for (const [index, elem] of items) {
        const iterMark = this.vars.length;
        const values = n.pipe.decl.length === 1 ? [elem] : [index, elem];
        n.pipe.decl.forEach((name, i) => (n.pipe.isAssign ? this.setVar(name, values[i]) : this.vars.push({ name, value: values[i] })));
        try {
          this.walk(elem, n.list);
        } catch (e) {
          if (e !== CONTINUE) throw e;
        } finally {
          this.vars.length = iterMark;
        }
      }
    } catch (e) {
      if (e !== BREAK) throw e;
    }
    if (items.length === 0 && n.elseList) this.walk(dot, n.elseList);
    this.vars.length = mark;
  }

  private setVar(name: string, value: unknown): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i]!.name === name) {
        this.vars[i]!.value = value;
        return;
      }
    }
    this.fail(`undefined variable: ${name}`);
  }

  private varValue(name: string): unknown {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i]!.name === name) return this.vars[i]!.value;
    return this.fail(`undefined variable: ${name}`);
  }

  private evalPipeline(dot: unknown, pipe: Pipe): unknown {
    let value: unknown = MISSING;
    for (const cmd of pipe.cmds) value = this.evalCommand(dot, cmd, value);
    for (const name of pipe.decl) {
      if (pipe.isAssign) this.setVar(name, value);
      else this.vars.push({ name, value });
    }
    return value;
  }

  private evalCommand(dot: unknown, cmd: Cmd, final: unknown): unknown {
    const first = cmd.args[0]!;
    switch (first.k) {
      case 'field': return this.evalFieldChain(dot, dot, first, first.idents, cmd.args, final);
      case 'chain': return this.evalFieldChain(dot, this.evalArg(dot, first.node), first, first.idents, cmd.args, final);
      case 'ident': return this.evalCall(dot, first.name, cmd, cmd.args.slice(1), final);
      case 'var': {
        const value = this.varValue(first.name);
        if (first.idents.length > 0) return this.evalFieldChain(dot, value, first, first.idents, cmd.args, final);
        this.notAFunction(first, cmd.args, final);
        return value;
      }
      case 'pipe':
        this.notAFunction(first, cmd.args, final);
        return this.evalPipeline(dot, first.pipe);
    }
    this.mark(first);
    if (first.k === 'nil') this.fail('nil is not a command');
    this.notAFunction(first, cmd.args, final);
    return first.k === 'const' ? first.value : dot;
  }

  private notAFunction(first: Arg, args: Arg[], final: unknown): void {
    this.mark(first);
    if (args.length > 1 || final !== MISSING) this.fail(`can't give argument to non-function ${argString(first)}`);
  }

  private evalFieldChain(dot: unknown, receiver: unknown, node: Arg, idents: string[], args: Arg[], final: unknown): unknown {
    this.mark(node);
    for (let i = 0; i < idents.length - 1; i++) receiver = this.evalField(dot, idents[i]!, [], MISSING, receiver);
    return this.evalField(dot, idents.at(-1)!, args, final, receiver);
  }

  private evalField(dot: unknown, name: string, args: Arg[], final: unknown, receiver: unknown): unknown {
    if (receiver === undefined || receiver === null) return undefined;
    if (receiver instanceof NilPointer) {
      const known = receiver.fields === undefined || receiver.fields.includes(name);
      return this.fail(known ? `nil pointer evaluating ${receiver.typeName}.${name}` : `can't evaluate field ${name} in type ${receiver.typeName}`);
    }
    const hasArgs = args.length > 1 || final !== MISSING;
    if (typeof receiver === 'object') {
      const isStruct = isClassInstance(receiver) || (this.structRoot && receiver === this.root);
      if (receiver instanceof Map) {
        const key = receiver.has(name) || this.exactFields ? name : [...receiver.keys()].find((k) => typeof k === 'string' && k.toLowerCase() === name.toLowerCase());
        if (hasArgs) this.fail(`${name} is not a method but has arguments`);
        if ((key === undefined || !receiver.has(key)) && this.missingKeyError) this.fail(`map has no entry for key ${goQuote(name)}`);
        return key === undefined ? undefined : receiver.get(key);
      }
      if (!Array.isArray(receiver)) {
        const key = findKey(receiver, name, this.exactFields);
        if (key !== undefined) {
          const v: unknown = (receiver as Record<string, unknown>)[key];
          if (typeof v === 'function') return this.evalCall(dot, name, null, args.slice(1), final, v.bind(receiver) as TemplateFunc);
          if (hasArgs) this.fail(isStruct ? `${name} has arguments but cannot be invoked as function` : `${name} is not a method but has arguments`);
          return v;
        }
        if (!isStruct) {
          if (hasArgs) this.fail(`${name} is not a method but has arguments`);
          if (this.missingKeyError) this.fail(`map has no entry for key ${goQuote(name)}`);
          return undefined;
        }
      }
    }
    const type = this.structRoot && receiver === this.root && !isClassInstance(receiver) ? 'struct' : goType(receiver);
    return this.fail(`can't evaluate field ${name} in type ${type}`);
  }

  private evalCall(dot: unknown, name: string, cmd: Cmd | null, argNodes: Arg[], final: unknown, method?: TemplateFunc): unknown {
    const def: FuncDef = method ? { fn: method, min: 0, max: Infinity } : this.funcs[name]!;
    const count = argNodes.length + (final === MISSING ? 0 : 1);
    if (count < def.min || count > def.max) {
      if (cmd) this.mark(cmd);
      this.fail(`wrong number of args for ${name}: want ${def.max === Infinity ? 'at least ' : ''}${def.min} got ${count}`);
    }
    if (name === 'and' || name === 'or') {
      // Go 1.18+ short-circuits and/or: later arguments are not evaluated.
      let v: unknown;
      for (const a of argNodes) {
        v = this.evalArg(dot, a);
        if (truth(v) === (name === 'or')) return v;
      }
      return final === MISSING ? v : final;
    }
    const values = argNodes.map((a) => this.evalArg(dot, a));
    if (final !== MISSING) values.push(final);
    if (cmd) this.mark(cmd);
    try {
      return def.fn(...values);
    } catch (err) {
      if (err instanceof ExecError) throw err;
      if (err instanceof ArgError) {
        // Go rejects the argument before the call, so the error points at that argument.
        const bad = values.findIndex((x) => Object.is(x, err.value));
        if (bad >= 0 && bad < argNodes.length) this.mark(argNodes[bad]!);
        return this.fail(err.message);
      }
      return this.fail(`error calling ${name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private evalArg(dot: unknown, a: Arg): unknown {
    this.mark(a);
    switch (a.k) {
      case 'dot': return dot;
      case 'nil': return null;
      case 'const': return a.value;
      case 'field': return this.evalFieldChain(dot, dot, a, a.idents, [a], MISSING);
      case 'var': return a.idents.length > 0 ? this.evalFieldChain(dot, this.varValue(a.name), a, a.idents, [a], MISSING) : this.varValue(a.name);
      case 'pipe': return this.evalPipeline(dot, a.pipe);
      case 'chain': return this.evalFieldChain(dot, this.evalArg(dot, a.node), a, a.idents, [a], MISSING);
      case 'ident': return this.evalCall(dot, a.name, { pos: a.pos, args: [a] }, [], MISSING);
    }
  }
}

/** Exact key first, then (unless `exact`) a case-insensitive match; class instances also expose getters and methods. */
function findKey(obj: object, name: string, exact = false): string | undefined {
  const names = new Set(Object.keys(obj));
  if (isClassInstance(obj)) {
    for (let p: unknown = Object.getPrototypeOf(obj); p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
      for (const k of Object.getOwnPropertyNames(p)) if (k !== 'constructor') names.add(k);
    }
  }
  if (names.has(name)) return name;
  if (exact) return undefined;
  const lower = name.toLowerCase();
  return [...names].find((k) => k.toLowerCase() === lower);
}

// ---- functions: Go's builtins (text/template/funcs.go) and docker/cli's templates.go ----

type FuncDef = { fn: TemplateFunc; min: number; max: number };
/** Raised for arguments Go would reject before the call ("wrong type for value; …"). */
class ArgError extends Error {
  constructor(readonly value: unknown, expected: string) {
    super(value === undefined ? `invalid value; expected ${expected}` : `wrong type for value; expected ${expected}; got ${goType(value)}`);
  }
}

function str(v: unknown): string {
  if (typeof v === 'string') return v;
  throw new ArgError(v, 'string');
}
function int(v: unknown): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  throw new ArgError(v, 'int');
}

function basicKind(v: unknown): string {
  if (v === undefined || v === null) return 'nil';
  if (typeof v === 'number' || typeof v === 'bigint') return 'number';
  if (typeof v === 'string' || typeof v === 'boolean') return typeof v;
  if (Array.isArray(v) || isMapLike(v)) throw new Error(`non-comparable type ${fmtValue(v)}: ${goType(v)}`);
  return 'object';
}

function eq(a: unknown, ...rest: unknown[]): boolean {
  if (rest.length === 0) throw new Error('missing argument for comparison');
  const k1 = basicKind(a);
  return rest.some((b) => {
    const k2 = basicKind(b);
    if (k1 !== k2) {
      if (k1 !== 'nil' && k2 !== 'nil') throw new Error('incompatible types for comparison');
      return false;
    }
    return k1 === 'nil' || a === b;
  });
}

function lt(a: unknown, b: unknown): boolean {
  const k1 = basicKind(a);
  const k2 = basicKind(b);
  if (k1 !== 'number' && k1 !== 'string') throw new Error('invalid type for comparison');
  if (k1 !== k2) throw new Error('incompatible types for comparison');
  return (a as number) < (b as number);
}

function goIndex(item: unknown, ...indexes: unknown[]): unknown {
  if (item === undefined || item === null) throw new Error('index of untyped nil');
  for (const ix of indexes) {
    if (Array.isArray(item) || typeof item === 'string') {
      if (typeof ix !== 'number' || !Number.isInteger(ix)) throw new Error(`cannot index slice/array with type ${goType(ix)}`);
      const bytes = typeof item === 'string' ? Buffer.from(item) : item;
      if (ix < 0 || ix >= bytes.length) throw new Error(`index out of range: ${ix}`);
      item = bytes[ix];
    } else if (isMapLike(item)) {
      const m = item;
      const values = m instanceof Map ? [...m.values()] : Object.values(m);
      const found = m instanceof Map ? m.get(ix) : Object.hasOwn(m, str(ix)) ? m[ix as string] : undefined;
      // Go yields the element type's zero value; label maps (string values) are the common case.
      item = found !== undefined ? found : values.every((x) => typeof x === 'string') ? '' : undefined;
    } else {
      throw new Error(`can't index item of type ${goType(item)}`);
    }
  }
  return item;
}

function goLen(v: unknown): number {
  if (typeof v === 'string') return Buffer.byteLength(v);
  if (Array.isArray(v)) return v.length;
  if (v instanceof Map) return v.size;
  if (isMapLike(v)) return Object.keys(v).length;
  throw new Error(v === undefined || v === null ? 'len of nil pointer' : `len of type ${goType(v)}`);
}

/** `fmt.Sprint`: a space between operands when neither side is a string. */
function sprint(args: unknown[]): string {
  return args.map((a, i) => (i > 0 && typeof a !== 'string' && typeof args[i - 1] !== 'string' ? ' ' : '') + fmtValue(a)).join('');
}

/** strconv.Quote (also the quoting of `ps`'s Command column). */
export function goQuote(s: string): string {
  const named: Record<string, string> = { '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v', '\\': '\\\\', '"': '\\"' };
  return `"${[...s].map((c) => {
    if (named[c]) return named[c];
    const cp = c.codePointAt(0)!;
    if (cp < 0x20 || cp === 0x7f) return `\\x${cp.toString(16).padStart(2, '0')}`;
    if (/\p{C}/u.test(c)) return cp > 0xffff ? `\\U${cp.toString(16).padStart(8, '0')}` : `\\u${cp.toString(16).padStart(4, '0')}`;
    return c;
  }).join('')}"`;
}

/** `fmt.Sprintf` for the verbs templates use: %v %s %q %d %x %X %o %b %c %f %e %g %t and %%. */
function sprintf(format: string, args: unknown[]): string {
  let out = '';
  let argi = 0;
  const re = /%([-+# 0]*)(\d+)?(?:\.(\d*))?([\s\S]?)/g;
  let last = 0;
  for (let m = re.exec(format); m !== null; m = re.exec(format)) {
    out += format.slice(last, m.index);
    last = re.lastIndex;
    const [, flags = '', width, precText, verb = ''] = m;
    if (verb === '') { out += '%!(NOVERB)'; continue; }
    if (verb === '%') { out += '%'; continue; }
    if (argi >= args.length) { out += `%!${verb}(MISSING)`; continue; }
    const arg = args[argi++];
    const prec = precText === undefined ? undefined : Number(precText || '0');
    const isInt = typeof arg === 'number' && Number.isInteger(arg);
    const bad = () => (arg === undefined || arg === null ? `%!${verb}(<nil>)` : `%!${verb}(${goType(arg)}=${fmtValue(arg)})`);
    const cut = (s: string) => (prec === undefined ? s : [...s].slice(0, prec).join(''));
    let s: string;
    let numeric = false;
    switch (verb) {
      case 'v': s = typeof arg === 'number' && !isInt && prec !== undefined ? formatG(arg, prec) : typeof arg === 'string' ? cut(arg) : fmtValue(arg); break;
      case 's': s = typeof arg === 'string' ? cut(arg) : Array.isArray(arg) && arg.every((x) => typeof x === 'string') ? fmtValue(arg) : bad(); break;
      case 'q': s = typeof arg === 'string' ? goQuote(cut(arg)) : isInt ? `'${String.fromCodePoint(arg)}'` : bad(); break;
      case 'd': s = isInt ? String(arg) : bad(); numeric = isInt; break;
      case 'x': case 'X': case 'o': case 'b': {
        const base = { x: 16, X: 16, o: 8, b: 2 }[verb];
        if (isInt) s = (arg < 0 ? '-' : '') + (flags.includes('#') && base !== 2 ? (base === 8 ? '0' : '0x') : '') + Math.abs(arg).toString(base);
        else if (typeof arg === 'string' && base === 16) s = Buffer.from(arg).toString('hex');
        else s = bad();
        if (verb === 'X') s = s.toUpperCase();
        numeric = isInt;
        break;
      }
      case 'c': s = isInt ? String.fromCodePoint(arg) : bad(); break;
      case 'e': case 'E': case 'f': case 'F': case 'g': case 'G':
        if (typeof arg !== 'number') { s = bad(); break; }
        numeric = true;
        s = verb === 'f' || verb === 'F' ? arg.toFixed(prec ?? 6)
          : verb === 'g' || verb === 'G' ? formatG(arg, prec ?? -1)
          : arg.toExponential(prec ?? 6).replace(/e([+-])(\d)$/, 'e$10$2');
        if (verb === 'E' || verb === 'G') s = s.toUpperCase();
        break;
      case 't': s = typeof arg === 'boolean' ? String(arg) : bad(); break;
      default: s = bad();
    }
    if (numeric && flags.includes('+') && !s.startsWith('-')) s = `+${s}`;
    const w = Number(width ?? 0);
    const len = [...s].length;
    if (len < w) {
      if (flags.includes('-')) s += ' '.repeat(w - len);
      else if (numeric && flags.includes('0')) s = s.replace(/^([+-]?)/, `$1${'0'.repeat(w - len)}`);
      else s = ' '.repeat(w - len) + s;
    }
    out += s;
  }
  out += format.slice(last);
  if (argi < args.length) {
    out += `%!(EXTRA ${args.slice(argi).map((a) => (a === undefined || a === null ? '<nil>' : `${goType(a)}=${fmtValue(a)}`)).join(', ')})`;
  }
  return out;
}

/**
 * A value's own JSON text, used verbatim by the `json` function: Go's `json.Marshaler`. docker's
 * formatter contexts marshal themselves with `json.Marshal`, which (unlike the `json` function's
 * encoder) escapes `<`, `>` and `&`: `{"Repository":"\u003cnone\u003e"}`.
 */
export const MARSHAL_JSON = Symbol('MarshalJSON');

/** encoding/json with SetEscapeHTML(false), as docker's `json` function encodes. */
function goJson(v: unknown, seen: Set<object> = new Set()): string {
  if (v === undefined || v === null || typeof v === 'function' || typeof v === 'symbol') return 'null';
  if (typeof v === 'string') return jsonString(v);
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`json: unsupported value: ${formatG(v, -1)}`);
    return Object.is(v, -0) ? '-0' : String(v);
  }
  if (typeof v !== 'object') return String(v);
  if (seen.has(v)) throw new Error('json: unsupported value: encountered a cycle');
  const marshal = (v as { [MARSHAL_JSON]?: unknown })[MARSHAL_JSON];
  if (typeof marshal === 'function') return String((marshal as () => unknown).call(v));
  if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return goJson((v as { toJSON: () => unknown }).toJSON(), seen);
  // []byte encodes as base64, like Go.
  if (v instanceof Uint8Array) return jsonString(Buffer.from(v).toString('base64'));
  seen.add(v);
  try {
    if (Array.isArray(v)) return `[${v.map((x) => goJson(x, seen)).join(',')}]`;
    const entries = v instanceof Map ? sortedEntries(v) : Object.entries(v);
    const fields = entries.filter(([, x]) => x !== undefined && typeof x !== 'function');
    return `{${fields.map(([k, x]) => `${jsonString(k)}:${goJson(x, seen)}`).join(',')}}`;
  } finally {
    seen.delete(v);
  }
}

function jsonString(s: string): string {
  const short: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' };
  return `"${s.replace(/["\\\u0000-\u001f\u2028\u2029]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, (c) =>
    short[c] ?? (c >= '\ud800' && c <= '\udfff' ? '\\ufffd' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`))}"`;
}

/** strings.Title: upper-cases the first letter after every separator. */
function title(s: string): string {
  let prev = ' ';
  return [...s].map((c) => {
    const sep = /[\p{L}\p{Nd}_]/u.test(prev) ? false : prev.codePointAt(0)! <= 0x7f || /\s/u.test(prev);
    prev = c;
    return sep ? c.toUpperCase() : c;
  }).join('');
}

function join(elems: unknown, sep: unknown): string {
  const separator = str(sep);
  if (elems === undefined || elems === null) return '';
  if (Array.isArray(elems)) return elems.map(fmtValue).join(separator);
  if (isMapLike(elems)) return sortedEntries(elems).map(([, x]) => fmtValue(x)).sort().join(separator);
  throw new Error(`expected slice, got ${goType(elems)}`);
}

const def = (fn: TemplateFunc, min: number, max = min): FuncDef => ({ fn, min, max });
const BUILTINS: Record<string, FuncDef> = {
  and: def(() => undefined, 1, Infinity),
  or: def(() => undefined, 1, Infinity),
  not: def((x) => !truth(x), 1),
  len: def(goLen, 1),
  index: def(goIndex, 1, Infinity),
  print: def((...a) => sprint(a), 0, Infinity),
  println: def((...a) => `${a.map(fmtValue).join(' ')}\n`, 0, Infinity),
  printf: def((f, ...a) => sprintf(str(f), a), 1, Infinity),
  eq: def(eq, 1, Infinity),
  ne: def((a, b) => !eq(a, b), 2),
  lt: def(lt, 2),
  le: def((a, b) => lt(a, b) || eq(a, b), 2),
  gt: def((a, b) => !(lt(a, b) || eq(a, b)), 2),
  ge: def((a, b) => !lt(a, b), 2),
  json: def((v) => goJson(v), 1),
  split: def((s, sep) => (str(sep) === '' ? [...str(s)] : str(s).split(str(sep))), 2),
  join: def(join, 2),
  title: def((s) => title(str(s)), 1),
  lower: def((s) => str(s).toLowerCase(), 1),
  upper: def((s) => str(s).toUpperCase(), 1),
  pad: def((s, pre, post) => (str(s) === '' ? '' : ' '.repeat(Math.max(int(pre), 0)) + str(s) + ' '.repeat(Math.max(int(post), 0))), 3),
  truncate: def((s, n) => (str(s).length < int(n) ? str(s) : str(s).slice(0, Math.max(int(n), 0))), 2),
};

/**
 * Compiles a Go text/template as docker's `--format` does (with docker's functions).
 * @returns a renderer; execution errors throw BerthError InvalidArgument
 *   (`template: :1:2: executing "" at <.Foo>: can't evaluate field Foo in type …`).
 * @throws BerthError InvalidArgument `template parsing error: template: :1: …` on a parse error.
 */
export function compileTemplate(text: string, options: TemplateOptions = {}): (data: unknown) => string {
  const funcs = { ...BUILTINS };
  for (const [name, fn] of Object.entries(options.funcs ?? {})) funcs[name] = def(fn, 0, Infinity);
  let tree: Node[];
  try {
    tree = new Parser(text, lex(text), funcs).parse();
  } catch (err) {
    throw new BerthError('InvalidArgument', `template parsing error: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  return (data) => {
    const exec = new Exec(text, funcs, data, options.structRoot ?? false, options.missingKeyError, options.exactFields);
    try {
      exec.walk(data, tree);
    } catch (err) {
      if (options.partial) return exec.out.join('');
      if (err instanceof ExecError) throw new BerthError('InvalidArgument', err.message, { cause: err });
      throw err;
    }
    return exec.out.join('');
  };
}

/** docker's `HeaderFunctions`: column headers pass through the formatting functions unchanged. */
export const HEADER_FUNCS: Record<string, TemplateFunc> = Object.fromEntries(
  ['json', 'split', 'join', 'title', 'lower', 'upper', 'truncate'].map((name) => [name, (v: unknown) => str(v)]),
);
