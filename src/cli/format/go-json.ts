/**
 * Go's `json.Indent` and `json.Compact` over JSON text: the docker CLI prints the daemon's raw
 * inspect replies through them, so keys keep the daemon's order, numbers their spelling and
 * strings their escapes, and only the whitespace between tokens changes.
 */

/**
 * Re-spaces valid JSON text. `indent === undefined` compacts; otherwise nested values go on
 * their own lines, each level indented by `indent`, with `": "` after keys and empty objects and
 * arrays kept as `{}` and `[]`.
 */
function respace(src: string, indent: string | undefined): string {
  const out: string[] = [];
  let depth = 0;
  let needIndent = false;
  const newline = (): void => {
    if (indent !== undefined) out.push(`\n${indent.repeat(depth)}`);
  };
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') continue;
    if (needIndent && c !== '}' && c !== ']') {
      needIndent = false;
      depth++;
      newline();
    }
    switch (c) {
      case '"': {
        let j = i + 1;
        while (j < src.length && src[j] !== '"') j += src[j] === '\\' ? 2 : 1;
        out.push(src.slice(i, j + 1));
        i = j;
        break;
      }
      case '{':
      case '[':
        // Delayed, so that an empty object or array stays `{}` or `[]`.
        needIndent = true;
        out.push(c);
        break;
      case ',':
        out.push(c);
        newline();
        break;
      case ':':
        out.push(indent === undefined ? ':' : ': ');
        break;
      case '}':
      case ']':
        if (needIndent) needIndent = false;
        else {
          depth--;
          newline();
        }
        out.push(c);
        break;
      default:
        out.push(c);
    }
  }
  return out.join('');
}

/** `json.Indent(dst, src, "", indent)`. */
export function jsonIndent(src: string, indent = '    '): string {
  return respace(src, indent);
}

/** `json.Compact`: insignificant whitespace removed, nothing escaped. */
export function jsonCompact(src: string): string {
  return respace(src, undefined);
}
