/**
 * `.env`, `--env-file` and `env_file:` files as compose-go's dotenv reads them: `KEY=VALUE`
 * lines, optional `export `, `#` comments (inline ones after unquoted values need a space before),
 * single quotes literal, double quotes with `\n`-style escapes and multi-line values, and
 * substitutions in unquoted and double-quoted values from the keys above and the lookup. A bare
 * `KEY` takes its value from the lookup, and is left out when that has none.
 */
import { BerthError } from '../base/errors.js';
import { interpolateString } from './interpolate.js';

const KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

function unescapeDouble(s: string): string {
  return s.replace(/\\(.)/gs, (_m, c: string) => ({ n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\', $: '$$' })[c] ?? `\\${c}`);
}

export function parseDotenv(text: string, file: string, lookup: (name: string) => string | undefined = () => undefined): Record<string, string> {
  const vars: Record<string, string> = {};
  const env = {
    get: (name: string) => (Object.hasOwn(vars, name) ? vars[name] : lookup(name)),
    warnUnset: () => {},
  };
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  for (let n = 0; n < lines.length; n++) {
    let line = lines[n]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    line = line.replace(/^export\s+/, '');
    const eq = line.indexOf('=');
    const key = (eq < 0 ? line : line.slice(0, eq)).trim();
    if (!KEY.test(key)) throw new BerthError('InvalidArgument', `failed to read ${file}: line ${n + 1}: unexpected character "${key[0] ?? '='}" in variable name "${key}"`);
    if (eq < 0) {
      const v = lookup(key);
      if (v !== undefined) vars[key] = v;
      continue;
    }
    let raw = line.slice(eq + 1).trimStart();
    const quote = raw[0];
    if (quote === "'" || quote === '"') {
      // A quoted value may run over several lines, up to its closing quote.
      let end = closingQuote(raw, quote);
      while (end < 0 && n + 1 < lines.length) {
        raw += '\n' + lines[++n];
        end = closingQuote(raw, quote);
      }
      if (end < 0) throw new BerthError('InvalidArgument', `failed to read ${file}: line ${n + 1}: unterminated quoted value`);
      const inner = raw.slice(1, end);
      vars[key] = quote === "'" ? inner : interpolateString(unescapeDouble(inner), key, env);
      continue;
    }
    const value = raw.replace(/\s+#.*$/, '').trim();
    vars[key] = interpolateString(value, key, env);
  }
  return vars;
}

function closingQuote(s: string, quote: string): number {
  for (let i = 1; i < s.length; i++) {
    if (quote === '"' && s[i] === '\\') i++;
    else if (s[i] === quote) return i;
  }
  return -1;
}
