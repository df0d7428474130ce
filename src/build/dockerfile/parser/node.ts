/** BuildKit's parser AST (frontend/dockerfile/parser.Node), kept in its shape so ports stay close. */
import { goQuote, goQuoteList } from '../go-quote.js';

/** A heredoc attached to a RUN, COPY or ADD line (`<<EOF` … `EOF`). */
export interface Heredoc {
  /** The delimiter word, quotes removed. */
  name: string;
  /** The `N` of `N<<EOF` (0 when absent). */
  fileDescriptor: number;
  /** False when any part of the delimiter was quoted: the body is then taken literally. */
  expand: boolean;
  /** `<<-`: leading tabs are stripped from the body and the delimiter line. */
  chomp: boolean;
  /** The body, each line with its newline. */
  content: string;
}

/**
 * One instruction (a child of the root) or one argument of it (a link in `next`). Line numbers
 * are 1-based; `original` is the instruction's logical line with continuations joined.
 */
export interface Node {
  value: string;
  next: Node | undefined;
  children: Node[];
  heredocs: Heredoc[];
  /** `json`: the arguments were written as a JSON array (exec form). */
  attributes: { json?: boolean };
  original: string;
  flags: string[];
  startLine: number;
  endLine: number;
  /** Comment lines directly above the instruction. */
  prevComment: string[];
}

export function newNode(value = '', next?: Node): Node {
  return { value, next, children: [], heredocs: [], attributes: {}, original: '', flags: [], startLine: 0, endLine: 0, prevComment: [] };
}

/** BuildKit's Node.Dump: the s-expression its parser test tables are written in. */
export function dumpNode(node: Node): string {
  let str = node.value.toLowerCase();
  if (node.flags.length > 0) str += ` ${goQuoteList(node.flags)}`;
  for (const child of node.children) str += `(${dumpNode(child)})\n`;
  for (let n = node.next; n !== undefined; n = n.next) {
    str += ' ' + (n.children.length > 0 ? dumpNode(n) : goQuote(n.value));
  }
  return str.trim();
}
