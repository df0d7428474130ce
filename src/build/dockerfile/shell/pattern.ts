/**
 * The shell patterns of `${v#p}`, `${v%p}` and `${v/p/r}`, ported from BuildKit's
 * frontend/dockerfile/shell/lex.go: `?` is one character, `*` any string, `\` escapes; no bracket
 * expressions. Compiled to JavaScript regular expressions with Go's leftmost-first semantics.
 */

/** Thrown for a pattern BuildKit rejects; the lexer wraps it in its own message. */
export class PatternError extends Error {}

/** BuildKit's convertShellPatternToRegex. */
export function shellPatternToRegex(pattern: string, greedy: boolean, anchored: boolean): RegExp {
  const chars = Array.from(pattern);
  let out = anchored ? '^' : '';
  // Go's `.` excludes only `\n`; JavaScript's also excludes `\r` and U+2028/9.
  const any = '[^\\n]';
  const star = greedy ? `${any}*` : `${any}*?`;
  for (let i = 0; i < chars.length; i++) {
    let tok = chars[i]!;
    switch (tok) {
      case '*':
        out += star;
        continue;
      case '?':
        out += any;
        continue;
      case '\\': {
        // `}` and `/` are escaped only to get them through `${…}`: the escape is not part of the pattern.
        const next = chars[i + 1];
        if (next === '}' || next === '/') continue;
        out += '\\';
        i++;
        tok = chars[i] ?? '';
        if (tok !== '*' && tok !== '?' && tok !== '\\') {
          // Go's scanner returns EOF (-1) past the end, which %c prints as U+FFFD.
          throw new PatternError(`invalid escape '\\${tok === '' ? '\ufffd' : tok}'`);
        }
        break;
      }
      case '[':
      case ']':
      case '{':
      case '}':
      case '.':
      case '+':
      case '(':
      case ')':
      case '|':
      case '^':
      case '$':
        out += '\\';
        break;
    }
    out += tok;
  }
  return new RegExp(out, 'u');
}

/** Go's regexp.FindStringIndex: [start, end) of the leftmost match, in UTF-16 units. */
export function findIndex(re: RegExp, value: string): [number, number] | undefined {
  const m = re.exec(value);
  return m === null ? undefined : [m.index, m.index + m[0].length];
}

/**
 * Go's regexp.ReplaceAllString: `$name`/`${name}` in the replacement refer to groups (the
 * patterns here have none, so they expand to nothing), `$$` is a `$`, and an empty match right
 * after a previous match is skipped.
 */
export function replaceAll(re: RegExp, value: string, replacement: string): string {
  const global = new RegExp(re.source, 'gu');
  let out = '';
  let last = 0;
  let prevEnd = -1;
  for (let m = global.exec(value); m !== null; m = global.exec(value)) {
    const start = m.index;
    const end = start + m[0].length;
    if (m[0].length === 0) {
      global.lastIndex = advance(value, end);
      if (start === prevEnd) continue;
    }
    out += value.slice(last, start) + expandTemplate(replacement);
    last = end;
    prevEnd = end;
  }
  return out + value.slice(last);
}

/** Replaces the leftmost match only (BuildKit's `${v/p/r}` without the second `/`). */
export function replaceFirst(re: RegExp, value: string, replacement: string): string {
  const idx = findIndex(re, value);
  if (idx === undefined) return value;
  return value.slice(0, idx[0]) + replacement + value.slice(idx[1]);
}

function advance(s: string, i: number): number {
  const cp = s.codePointAt(i);
  return i + (cp !== undefined && cp > 0xffff ? 2 : 1);
}

/** Go's Regexp.Expand for a regexp without capture groups. */
function expandTemplate(template: string): string {
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const ch = template[i]!;
    if (ch !== '$') {
      out += ch;
      continue;
    }
    const rest = template.slice(i + 1);
    if (rest.startsWith('$')) {
      out += '$';
      i++;
      continue;
    }
    const braced = /^\{([A-Za-z0-9_]+)\}/.exec(rest);
    const bare = /^[A-Za-z0-9_]+/.exec(rest);
    const name = braced ?? bare;
    if (name === null) {
      out += '$';
      continue;
    }
    // Every group reference is out of range: it expands to nothing.
    i += name[0].length;
  }
  return out;
}
