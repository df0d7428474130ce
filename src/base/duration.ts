/** Durations as Docker reads and prints them (container status, image ages, Go durations): shared by the API and the CLI. */
import { invalidArgument } from './errors.js';

/**
 * go-units `HumanDuration` for a span in milliseconds: `Less than a second`, `About a minute`,
 * `3 hours`, `2 days`, `3 weeks`, `4 months`, `2 years`.
 */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.trunc(ms / 60_000);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.trunc(ms / 3_600_000 + 0.5);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.trunc(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.trunc(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24 / 30)} months`;
  return `${Math.trunc(Math.trunc(ms / 3_600_000) / 24 / 365)} years`;
}

const NS_PER_SECOND = 1_000_000_000n;

/** `v / unit` with Go's trimmed decimal fraction: 1500/1000 → `1.5`, 2000/1000 → `2`. */
function withFraction(v: bigint, unit: bigint): string {
  const whole = v / unit;
  const rest = v % unit;
  if (rest === 0n) return String(whole);
  const digits = String(unit).length - 1;
  return `${whole}.${String(rest).padStart(digits, '0').replace(/0+$/, '')}`;
}

/**
 * Go's `time.Duration.String` for nanoseconds: `0s`, `250ms`, `1.5s`, `1m30s`, `2h0m0s`
 * (moby prints durations this way in its messages, e.g. a healthcheck's timeout).
 */
export function goDuration(ns: number): string {
  const sign = ns < 0 ? '-' : '';
  const u = BigInt(Math.round(Math.abs(ns)));
  if (u === 0n) return '0s';
  if (u < 1000n) return `${sign}${u}ns`;
  if (u < 1_000_000n) return `${sign}${withFraction(u, 1000n)}µs`;
  if (u < NS_PER_SECOND) return `${sign}${withFraction(u, 1_000_000n)}ms`;
  const hours = u / (3600n * NS_PER_SECOND);
  const minutes = (u / (60n * NS_PER_SECOND)) % 60n;
  let out = `${withFraction(u % (60n * NS_PER_SECOND), NS_PER_SECOND)}s`;
  if (hours > 0n || minutes > 0n) out = `${minutes}m${out}`;
  if (hours > 0n) out = `${hours}h${out}`;
  return sign + out;
}

const DURATION_UNITS: Record<string, bigint> = {
  ns: 1n, us: 1_000n, 'µs': 1_000n, 'μs': 1_000n, ms: 1_000_000n, s: 1_000_000_000n,
  m: 60_000_000_000n, h: 3_600_000_000_000n,
};
const MAX_DURATION = 1n << 63n;

/**
 * Go's `time.ParseDuration` (`1h30m`, `10s`, `500ms`, `-1.5h`, `0`). Returns nanoseconds, the
 * unit of `time.Duration` and of the Engine API's duration fields (e.g. Healthcheck.Interval).
 * @throws BerthError InvalidArgument with Go's messages (`time: invalid duration "x"`, …).
 */
export function parseDuration(text: string): number {
  const quoted = JSON.stringify(text);
  const invalid = () => invalidArgument(`time: invalid duration ${quoted}`);
  let s = text;
  let neg = false;
  if (s[0] === '-' || s[0] === '+') {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw invalid();
  let total = 0n;
  while (s !== '') {
    if (!/^[0-9.]/.test(s)) throw invalid();
    const m = /^([0-9]*)(?:\.([0-9]*))?/.exec(s)!;
    const intText = m[1] ?? '';
    const fracText = m[2];
    if (intText === '' && (fracText === undefined || fracText === '')) throw invalid();
    s = s.slice(m[0].length);
    const v = BigInt(intText === '' ? '0' : intText);
    if (v > MAX_DURATION) throw invalid();
    let unitLen = 0;
    while (unitLen < s.length && !/[0-9.]/.test(s[unitLen]!)) unitLen++;
    if (unitLen === 0) throw invalidArgument(`time: missing unit in duration ${quoted}`);
    const u = s.slice(0, unitLen);
    s = s.slice(unitLen);
    const unit = DURATION_UNITS[u];
    if (unit === undefined) throw invalidArgument(`time: unknown unit ${JSON.stringify(u)} in duration ${quoted}`);
    if (v > MAX_DURATION / unit) throw invalid();
    let part = v * unit;
    if (fracText !== undefined && fracText !== '') {
      // Go's leadingFraction: digits past int64 range are dropped, then float64 math truncates.
      let f = 0n;
      let scale = 1;
      for (const c of fracText) {
        const next = f * 10n + BigInt(c);
        if (next > MAX_DURATION) break;
        f = next;
        scale *= 10;
      }
      part += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
      if (part > MAX_DURATION) throw invalid();
    }
    total += part;
    if (total > MAX_DURATION) throw invalid();
  }
  if (!neg && total > MAX_DURATION - 1n) throw invalid();
  return Number(neg ? -total : total);
}
