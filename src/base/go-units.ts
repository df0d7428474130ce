/**
 * The Go parsers whose wording Docker's errors carry: go-units' sizes (v0.5.0, as moby 28 vendors
 * it) and strconv's Atoi/ParseBool. Each throws InvalidArgument with Go's own message.
 */
import { invalidArgument } from './errors.js';

const DECIMAL: Record<string, number> = { k: 1e3, m: 1e6, g: 1e9, t: 1e12, p: 1e15 };
const BINARY: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** go-units `RAMInBytes` (`--memory`, `--shm-size`): binary units, `64m`, `1.5GiB`, `100`. */
export function ramInBytes(s: string): number {
  return parseSize(s, BINARY);
}

/** go-units `FromHumanSize` (json-file and local `max-size`): decimal units, `10m` is 10,000,000. */
export function fromHumanSize(s: string): number {
  return parseSize(s, DECIMAL);
}

function parseSize(s: string, units: Record<string, number>): number {
  // The number ends at the last digit, dot or space; one space may separate it from the suffix.
  let sep = -1;
  for (let i = s.length - 1; i >= 0; i--) {
    if ('0123456789. '.includes(s[i]!)) {
      sep = i;
      break;
    }
  }
  if (sep === -1) throw invalidArgument(`invalid size: '${s}'`);
  const num = s[sep] === ' ' ? s.slice(0, sep) : s.slice(0, sep + 1);
  let sfx = s.slice(sep + 1);
  let size = parseFloat64(num);
  if (size < 0) throw invalidArgument(`invalid size: '${s}'`);
  // `+ 0` folds Go's "-0" into a plain 0.
  if (sfx === '') return Math.trunc(size) + 0;
  const badSuffix = () => invalidArgument(`invalid suffix: '${sfx}'`);
  if (sfx.length > 3) throw badSuffix();
  sfx = sfx.toLowerCase();
  if (sfx[0] === 'b') {
    if (sfx.length > 1) throw badSuffix();
    return Math.trunc(size) + 0;
  }
  const mul = units[sfx[0]!];
  if (mul === undefined) throw badSuffix();
  size *= mul;
  if ((sfx.length === 2 && sfx[1] !== 'b') || (sfx.length === 3 && sfx.slice(1) !== 'ib')) throw badSuffix();
  return Math.trunc(size);
}

/** strconv.ParseFloat's decimal syntax; Go's hex floats, "inf" and "_" separators are not worth it here. */
function parseFloat64(num: string): number {
  if (!/^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(num)) throw invalidArgument(`strconv.ParseFloat: parsing "${num}": invalid syntax`);
  return Number(num);
}

/** strconv.Atoi on a 64-bit platform. */
export function atoi(s: string): number {
  if (!/^[+-]?\d+$/.test(s)) throw invalidArgument(`strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`);
  const n = BigInt(s);
  if (n > 9223372036854775807n || n < -9223372036854775808n) throw invalidArgument(`strconv.Atoi: parsing ${JSON.stringify(s)}: value out of range`);
  return Number(n);
}

/** strconv.ParseBool: 1, t, T, TRUE, true, True and their false counterparts. */
export function parseBool(s: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  throw invalidArgument(`strconv.ParseBool: parsing ${JSON.stringify(s)}: invalid syntax`);
}
