/**
 * Ports of github.com/docker/go-units (size.go, duration.go) and Go's time.ParseDuration, so
 * sizes, ages and flag values read and print exactly as the docker CLI's do.
 */
import { humanDuration, parseDuration } from '../../base/duration.js';
import { invalidArgument } from '../../base/errors.js';
import { ramInBytes } from '../../base/go-units.js';

export { humanDuration, parseDuration };

const DECIMAL_ABBRS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
const BINARY_ABBRS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'];

function sizeAndUnit(size: number, base: number, abbrs: string[]): [number, string] {
  let i = 0;
  while (size >= base && i < abbrs.length - 1) {
    size /= base;
    i++;
  }
  return [size, abbrs[i] ?? ''];
}

/** `HumanSizeWithPrecision(size, precision)`: decimal units, `%.{precision}g`. */
export function humanSizeWithPrecision(bytes: number, precision: number): string {
  const [size, unit] = sizeAndUnit(bytes, 1000, DECIMAL_ABBRS);
  return formatG(size, precision) + unit;
}

/** The size column of `docker images`/`docker ps -s` (`HumanSizeWithPrecision(size, 3)`): `4.26MB`, `0B`. */
export function humanSize(bytes: number): string {
  return humanSizeWithPrecision(bytes, 3);
}

/** `BytesSize`: binary units with 4 significant digits: `1.5MiB`, `44KiB`. */
export function bytesSize(bytes: number): string {
  const [size, unit] = sizeAndUnit(bytes, 1024, BINARY_ABBRS);
  return formatG(size, 4) + unit;
}

/**
 * Go's `%.{prec}g` (strconv 'g'); `prec` -1 is the shortest form that `%v` prints. It differs
 * from `toPrecision`: trailing zeros are dropped, exact ties round half-to-even, and the
 * exponent switch point yields Docker's occasional `1e+03kB`.
 */
export function formatG(x: number, prec: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'NaN' : x > 0 ? '+Inf' : '-Inf';
  const neg = x < 0 || Object.is(x, -0);
  const sign = neg ? '-' : '';
  if (x === 0) return `${sign}0`;
  let digits: string;
  let dp: number;
  let eprec: number;
  if (prec < 0) {
    const [mant = '', expText = '0'] = Math.abs(x).toExponential().split('e');
    digits = mant.replace('.', '');
    dp = Number(expText) + 1;
    prec = digits.length;
    eprec = 6;
  } else {
    prec = Math.max(prec, 1);
    // 100 significant digits pin down every tie a double can produce.
    const [mant = '', expText = '0'] = Math.abs(x).toExponential(99).split('e');
    const all = mant.replace('.', '');
    dp = Number(expText) + 1;
    const kept = all.slice(0, prec);
    const rest = all.slice(prec);
    const up = rest[0] !== undefined && (rest[0] > '5' || (rest[0] === '5' && (!/^50*$/.test(rest) || Number(kept.at(-1)) % 2 === 1)));
    digits = kept;
    if (up) {
      const n = (BigInt(kept) + 1n).toString();
      if (n.length > kept.length) dp++;
      digits = n.slice(0, prec);
    }
    digits = digits.replace(/0+$/, '') || '0';
    eprec = prec > digits.length && digits.length >= dp ? digits.length : prec;
  }
  const nd = digits.length;
  const exp = dp - 1;
  if (exp < -4 || exp >= eprec) {
    const frac = digits.slice(1, Math.min(prec, nd));
    const e = Math.abs(exp).toString().padStart(2, '0');
    return `${sign}${digits[0]}${frac === '' ? '' : `.${frac}`}e${exp < 0 ? '-' : '+'}${e}`;
  }
  const decimals = Math.max((prec > dp ? nd : prec) - dp, 0);
  const intPart = dp <= 0 ? '0' : digits.slice(0, dp).padEnd(dp, '0');
  let frac = '';
  for (let i = 0; i < decimals; i++) frac += dp + i < 0 ? '0' : (digits[dp + i] ?? '0');
  return sign + intPart + (frac === '' ? '' : `.${frac}`);
}

/** Unix seconds of Go's zero `time.Time`, which the CLI shows as an unknown creation time. */
const GO_ZERO_TIME = -62135596800;

/**
 * The CREATED column (`CreatedSince`): `5 minutes ago`. `now` is in milliseconds. Returns ''
 * for Go's zero time, which Docker's default image format turns into `N/A`.
 */
export function createdAgo(unixSeconds: number, now: number = Date.now()): string {
  if (unixSeconds === GO_ZERO_TIME) return '';
  return `${humanDuration(now - unixSeconds * 1000)} ago`;
}

/**
 * `RAMInBytes`, used by `--memory`, `--shm-size` and friends: `64m`, `1g`, `512k`, `1.5GiB`,
 * `100` (binary units, case-insensitive, optional `b`/`ib`).
 * @throws BerthError InvalidArgument with go-units' message (`invalid size: 'x'`, `invalid suffix: 'x'`).
 */
export function parseBytes(s: string): number {
  return ramInBytes(s);
}

