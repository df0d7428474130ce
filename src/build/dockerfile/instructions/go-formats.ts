/**
 * The Go value formats Dockerfile flags use: time.ParseDuration (HEALTHCHECK), go-units
 * RAMInBytes (tmpfs `size=`) and go-csvvalue (the `--mount=` field list).
 */

const UNITS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Go's time.ParseDuration, in nanoseconds; throws with Go's message. */
export function parseGoDuration(s: string): number {
  const orig = s;
  const quoted = JSON.stringify(orig);
  let neg = false;
  if (s.startsWith('-') || s.startsWith('+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw new Error(`time: invalid duration ${quoted}`);
  let total = 0;
  while (s !== '') {
    const num = /^(\d*)(?:\.(\d*))?/.exec(s)!;
    const [whole, intPart = '', frac] = num;
    if (whole === '' || (intPart === '' && (frac === undefined || frac === ''))) throw new Error(`time: invalid duration ${quoted}`);
    s = s.slice(whole.length);
    const unit = /^[^\d.]*/.exec(s)![0];
    if (unit === '') throw new Error(`time: missing unit in duration ${quoted}`);
    const scale = UNITS[unit];
    if (scale === undefined) throw new Error(`time: unknown unit ${JSON.stringify(unit)} in duration ${quoted}`);
    s = s.slice(unit.length);
    total += Number(intPart === '' ? 0 : intPart) * scale + (frac ? Math.floor(Number(`0.${frac}`) * scale) : 0);
    if (total > 2 ** 63 - 1) throw new Error(`time: invalid duration ${quoted}`);
  }
  return neg ? -total : total;
}

const RAM_UNITS: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** go-units RAMInBytes: `64m`, `1.5g`, `512kb`, `1GiB` (always binary multiples). */
export function ramInBytes(size: string): number {
  const m = /^(\d+(?:\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$/.exec(size);
  if (m === null) throw new Error(`invalid size: '${size}'`);
  const value = Number.parseFloat(m[1]!);
  if (Number.isNaN(value)) throw new Error(`invalid size: '${size}'`);
  const unit = m[2]?.toLowerCase();
  return Math.trunc(value * (unit === undefined ? 1 : RAM_UNITS[unit]!));
}

/** One CSV record (RFC 4180 quoting, as Go's encoding/csv reads it); throws on a stray quote. */
export function csvFields(line: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let field = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) throw new Error(`parse error on line 1, column ${line.length + 1}: extraneous or missing " in quoted-field`);
        field += line.slice(i, q);
        i = q + 1;
        if (line[i] === '"') {
          field += '"';
          i++;
          continue;
        }
        if (i < line.length && line[i] !== ',') throw new Error(`parse error on line 1, column ${i + 1}: extraneous or missing " in quoted-field`);
        break;
      }
      fields.push(field);
    } else {
      const comma = line.indexOf(',', i);
      const field = comma < 0 ? line.slice(i) : line.slice(i, comma);
      const quote = field.indexOf('"');
      if (quote >= 0) throw new Error(`parse error on line 1, column ${i + quote + 1}: bare " in non-quoted-field`);
      fields.push(field);
      i = comma < 0 ? line.length : comma;
    }
    if (i >= line.length) return fields;
    i++; // the comma
    if (i === line.length) {
      fields.push('');
      return fields;
    }
  }
}
