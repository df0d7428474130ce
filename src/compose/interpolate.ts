/**
 * Variable substitution as the compose-spec defines it (12-interpolation.md) and compose-go's
 * template package does it: `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`,
 * `${VAR:?err}`, `${VAR?err}`, `${VAR:+alt}`, `${VAR+alt}`, `$$` for a literal `$`; defaults and
 * alternatives may themselves hold substitutions. Values only: keys stay as written.
 */
import { BerthError } from '../base/errors.js';
import { isDict, Override, Reset } from './markers.js';

export interface Lookup {
  /** The variable's value, undefined when it is not set. */
  get(name: string): string | undefined;
  /** Told once per unset variable that defaulted to a blank string. */
  warnUnset(name: string): void;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

class TemplateError extends Error {}

/** The index of the `}` closing a `${` whose body starts at `from`, -1 if there is none. */
function closingBrace(s: string, from: number): number {
  let depth = 1;
  for (let i = from; i < s.length; i++) {
    if (s[i] === '$' && s[i + 1] === '{') {
      depth++;
      i++;
    } else if (s[i] === '}' && --depth === 0) return i;
  }
  return -1;
}

function expandBraced(body: string, env: Lookup): string {
  const m = NAME.exec(body);
  if (!m) throw new TemplateError();
  const name = m[0];
  const rest = body.slice(name.length);
  const value = env.get(name);
  if (rest === '') {
    if (value === undefined) env.warnUnset(name);
    return value ?? '';
  }
  const op = /^(:-|-|:\?|\?|:\+|\+)/.exec(rest)?.[0];
  if (op === undefined) throw new TemplateError();
  const arg = rest.slice(op.length);
  const unsetOrEmpty = value === undefined || value === '';
  switch (op) {
    case ':-':
      return unsetOrEmpty ? substitute(arg, env) : value;
    case '-':
      return value === undefined ? substitute(arg, env) : value;
    case ':+':
      return unsetOrEmpty ? '' : substitute(arg, env);
    case '+':
      return value === undefined ? '' : substitute(arg, env);
    default: {
      if (op === ':?' ? !unsetOrEmpty : value !== undefined) return value!;
      const why = substitute(arg, env);
      throw new BerthError('InvalidArgument', `required variable ${name} is missing a value${why ? `: ${why}` : ''}`);
    }
  }
}

/** Substitutes one string. @throws TemplateError on a malformed template. */
function substitute(s: string, env: Lookup): string {
  let out = '';
  let i = 0;
  while (i < s.length) {
    const dollar = s.indexOf('$', i);
    if (dollar < 0) return out + s.slice(i);
    out += s.slice(i, dollar);
    const next = s[dollar + 1];
    if (next === '$') {
      out += '$';
      i = dollar + 2;
    } else if (next === '{') {
      const end = closingBrace(s, dollar + 2);
      if (end < 0) throw new TemplateError();
      out += expandBraced(s.slice(dollar + 2, end), env);
      i = end + 1;
    } else {
      const m = NAME.exec(s.slice(dollar + 1));
      if (!m) throw new TemplateError();
      const value = env.get(m[0]);
      if (value === undefined) env.warnUnset(m[0]);
      out += value ?? '';
      i = dollar + 1 + m[0].length;
    }
  }
  return out;
}

/**
 * Substitutes a string found at `path` (`services.web.image`, for messages).
 * @throws BerthError InvalidArgument for a malformed template or a required variable unset.
 */
export function interpolateString(s: string, path: string, env: Lookup): string {
  try {
    return substitute(s, env);
  } catch (err) {
    if (err instanceof TemplateError) {
      throw new BerthError('InvalidArgument', `invalid interpolation format for ${path}: ${JSON.stringify(s)}; you may need to escape any $ with another $`);
    }
    if (err instanceof BerthError) throw new BerthError('InvalidArgument', `error while interpolating ${path}: ${err.message}`);
    throw err;
  }
}

/** Substitutes every string value of a parsed compose file (list items are `path.[]`, as compose-go names them). */
export function interpolate(v: unknown, path: string, env: Lookup): unknown {
  if (typeof v === 'string') return interpolateString(v, path, env);
  if (v instanceof Reset) return v;
  if (v instanceof Override) return new Override(interpolate(v.value, path, env));
  if (Array.isArray(v)) return v.map((x) => interpolate(x, `${path}.[]`, env));
  if (isDict(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = interpolate(x, path ? `${path}.${k}` : k, env);
    return out;
  }
  return v;
}

/** A Lookup over a map of variables, warning on stderr as compose v2 does (once per name). */
export function mapLookup(vars: Record<string, string | undefined>, warn: (message: string) => void): Lookup {
  const warned = new Set<string>();
  return {
    get: (name) => (Object.hasOwn(vars, name) ? vars[name] : undefined),
    warnUnset: (name) => {
      if (warned.has(name)) return;
      warned.add(name);
      warn(`The "${name}" variable is not set. Defaulting to a blank string.`);
    },
  };
}
