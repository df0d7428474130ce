/**
 * Go's unicode predicates, which BuildKit's parser and lexer use; JavaScript's `\s` and friends
 * differ at the edges (`\s` matches U+FEFF, Go's IsSpace does not).
 */

const LATIN1_SPACE = new Set(['\t', '\n', '\v', '\f', '\r', ' ', '\u0085', '\u00a0']);
const WHITE_SPACE = /^\p{White_Space}$/u;
const LETTER = /^\p{L}$/u;
const DIGIT = /^\p{Nd}$/u;

/** Go's unicode.IsSpace for one code point. */
export function isSpace(ch: string): boolean {
  if (ch.length === 0) return false;
  if (ch.codePointAt(0)! <= 0xff) return LATIN1_SPACE.has(ch);
  return WHITE_SPACE.test(ch);
}

/** Go's unicode.IsLetter. */
export function isLetter(ch: string): boolean {
  return LETTER.test(ch);
}

/** Go's unicode.IsDigit. */
export function isDigit(ch: string): boolean {
  return DIGIT.test(ch);
}

/** Go's strings.TrimSpace. */
export function trimSpace(s: string): string {
  return trimRightSpace(trimLeftSpace(s));
}

/** Go's bytes.TrimLeftFunc(s, unicode.IsSpace). */
export function trimLeftSpace(s: string): string {
  let i = 0;
  for (const ch of s) {
    if (!isSpace(ch)) break;
    i += ch.length;
  }
  return s.slice(i);
}

export function trimRightSpace(s: string): string {
  const chars = Array.from(s);
  let end = chars.length;
  while (end > 0 && isSpace(chars[end - 1]!)) end--;
  return chars.slice(0, end).join('');
}
