/**
 * `WWW-Authenticate` challenges, parsed as docker/distribution's challenge package does: one
 * challenge per header value, a case-insensitive scheme, then `key=value` pairs whose values are
 * tokens or quoted strings (with backslash escapes), separated by commas.
 */
export interface Challenge {
  /** Lower-cased: `basic`, `bearer`. */
  scheme: string;
  /** Keys lower-cased (`realm`, `service`, `scope`, `error`). */
  params: Record<string, string>;
}

const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;

export function parseChallenges(headers: string[]): Challenge[] {
  const out: Challenge[] = [];
  for (const h of headers) {
    const c = parseChallenge(h);
    if (c) out.push(c);
  }
  return out;
}

export function parseChallenge(header: string): Challenge | undefined {
  let i = 0;
  const skipSpace = (): void => {
    while (i < header.length && (header[i] === ' ' || header[i] === '\t')) i++;
  };
  const token = (): string => {
    const start = i;
    while (i < header.length && TOKEN_CHAR.test(header[i]!)) i++;
    return header.slice(start, i);
  };
  skipSpace();
  const scheme = token().toLowerCase();
  if (scheme === '') return undefined;
  const params: Record<string, string> = {};
  for (;;) {
    skipSpace();
    const key = token().toLowerCase();
    if (key === '') break;
    skipSpace();
    if (header[i] !== '=') break;
    i++;
    skipSpace();
    let value: string;
    if (header[i] === '"') {
      i++;
      value = '';
      while (i < header.length && header[i] !== '"') {
        if (header[i] === '\\' && i + 1 < header.length) i++;
        value += header[i];
        i++;
      }
      if (header[i] !== '"') break;
      i++;
    } else {
      value = token();
    }
    params[key] = value;
    skipSpace();
    if (header[i] !== ',') break;
    i++;
  }
  return { scheme, params };
}
