/**
 * moby's `timetypes.GetTimestamp`, which the docker CLI applies to `--since`/`--until` before
 * sending them: a Go duration counts back from now (whole seconds), an RFC 3339 date or time
 * (local zone when none is given) becomes `seconds.nanoseconds`, a unix timestamp passes as is.
 */
import { parseDuration } from './units.js';

/** @throws Error `failed to parse value as time or duration: "x"` as docker words it. */
export function getTimestamp(value: string, now: number = Date.now()): string {
  if (value !== '0') {
    try {
      const ns = parseDuration(value);
      return String(Math.floor((now - ns / 1e6) / 1000));
    } catch {
      // not a duration
    }
  }
  if (/^\d+(\.\d+)?$/.test(value)) return value;
  // Without a zone (no Z, no +, not three dashes) docker reads the time in the local zone, as
  // Date.parse does for date-times; a bare date it reads as local midnight, which Date.parse does not.
  const local = !/[zZ+]/.test(value) && value.split('-').length - 1 !== 3;
  const text = local && /^\d{4}-\d\d-\d\d$/.test(value) ? `${value}T00:00:00` : value;
  const ms = /^\d{4}-\d\d-\d\d/.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(ms)) throw new Error(`failed to parse value as time or duration: ${JSON.stringify(value)}`);
  const frac = /\.(\d+)/.exec(text.split('T')[1] ?? '')?.[1] ?? '';
  const nanos = Number(frac.slice(0, 9).padEnd(9, '0') || '0');
  return `${Math.floor(ms / 1000)}.${String(nanos).padStart(9, '0')}`;
}
