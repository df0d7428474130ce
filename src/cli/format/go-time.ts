/**
 * A timestamp of an API reply as the docker CLI holds it after decoding: a Go `time.Time` parsed
 * from RFC 3339, whose `String()` (`.CreatedAt`, `{{.Created}}`), methods (`.Year`, `.Format`)
 * and JSON form keep the zone offset it was sent with.
 */

const RFC3339 = /^(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d):(\d\d)(?:\.(\d+))?(?:([Zz])|([+-])(\d\d):(\d\d))$/;
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

interface Parts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** Nine digits. */
  nanos: string;
  /** Minutes east of UTC. */
  offset: number;
  /** Go's zone name: `UTC`, the local zone's, or empty for a fixed offset. */
  zone: string;
}

/** The local zone at an instant: its offset (minutes east of UTC) and short name (`UTC`, `CET`). */
export type LocalZone = (instant: Date) => { offsetMinutes: number; name: string };

/**
 * Go's local zone: the offset from the platform, the abbreviation Go would print from the tzdata
 * file Go reads (`$TZ`, else /etc/localtime), matched by offset; Intl's short name otherwise.
 */
function localZone(instant: Date): { offsetMinutes: number; name: string } {
  const offsetMinutes = -instant.getTimezoneOffset();
  const name =
    zoneAbbreviations().get(offsetMinutes * 60) ??
    Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(instant).find((x) => x.type === 'timeZoneName')?.value ??
    'UTC';
  return { offsetMinutes, name };
}

let abbreviations: Map<number, string> | undefined;

/** Offset (seconds east of UTC) → abbreviation, from the local TZif file: its POSIX footer first, then its latest zone types. */
function zoneAbbreviations(): Map<number, string> {
  if (abbreviations) return abbreviations;
  abbreviations = new Map();
  const tz = process.env.TZ;
  if (tz === '') {
    abbreviations.set(0, 'UTC');
    return abbreviations;
  }
  const file = tz === undefined ? '/etc/localtime' : tz.replace(/^:/, '').startsWith('/') ? tz.replace(/^:/, '') : `/usr/share/zoneinfo/${tz.replace(/^:/, '')}`;
  try {
    readTzif(process.getBuiltinModule('node:fs').readFileSync(file), abbreviations);
  } catch {
    // No readable tzdata: Intl names the zone.
  }
  return abbreviations;
}

/** Fills `out` from a TZif file (RFC 8536). */
export function readTzif(data: Buffer, out: Map<number, string>): void {
  if (data.toString('latin1', 0, 4) !== 'TZif') return;
  const header = (at: number): number[] => [20, 24, 28, 32, 36, 40].map((o) => data.readUInt32BE(at + o));
  let at = 0;
  let [isut, isstd, leap, time, type, chars] = header(at);
  let timeSize = 4;
  const blockLength = (): number => 44 + time! * (timeSize + 1) + type! * 6 + chars! + leap! * (timeSize + 4) + isstd! + isut!;
  if (data[4]! >= 0x32) {
    at += blockLength();
    [isut, isstd, leap, time, type, chars] = header(at);
    timeSize = 8;
  }
  const types = at + 44 + time! * (timeSize + 1);
  const names = types + type! * 6;
  const zoneName = (idx: number): string => data.toString('latin1', names + idx, data.indexOf(0, names + idx));
  // Later types win: the names of the zone's recent history.
  for (let i = 0; i < type!; i++) out.set(data.readInt32BE(types + i * 6), zoneName(data[types + i * 6 + 5]!));
  const footerStart = at + blockLength();
  if (timeSize === 8 && data[footerStart] === 0x0a) {
    const footer = data.toString('latin1', footerStart + 1, data.indexOf(0x0a, footerStart + 1));
    const m = /^(<[^>]+>|[A-Za-z]+)([+-]?\d+(?::\d+){0,2})(?:(<[^>]+>|[A-Za-z]+)([+-]?\d+(?::\d+){0,2})?)?/.exec(footer);
    if (m) {
      const seconds = (o: string): number => {
        const [h = '0', mi = '0', se = '0'] = o.replace(/^[+-]/, '').split(':');
        return (o.startsWith('-') ? 1 : -1) * (Number(h) * 3600 + Number(mi) * 60 + Number(se));
      };
      const name = (n: string): string => n.replace(/^<|>$/g, '');
      const std = seconds(m[2]!);
      out.set(std, name(m[1]!));
      if (m[3]) out.set(m[4] ? seconds(m[4]) : std + 3600, name(m[3]));
    }
  }
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** `Date.UTC` without its mapping of years 0–99 to 1900–1999. */
function utc(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, 0);
  return d.getTime();
}

/** `-0700`-style offsets with the separator and precision a layout asks for. */
function formatOffset(offset: number, colon: boolean, hoursOnly: boolean): string {
  const sign = offset < 0 ? '-' : '+';
  const a = Math.abs(offset);
  const h = pad(Math.floor(a / 60));
  if (hoursOnly) return `${sign}${h}`;
  return `${sign}${h}${colon ? ':' : ''}${pad(a % 60)}`;
}

/** Go's `time.Time` decoded from JSON: prints as `String()`, marshals as RFC 3339 (nanoseconds). */
export class GoTime {
  private readonly parts: Parts | undefined;

  /**
   * @param text the RFC 3339 text from the API; text that does not parse prints as given.
   * @param local the local zone, for times sent in the local offset (Go then names the zone).
   */
  constructor(
    readonly text: string,
    local: LocalZone = localZone,
  ) {
    const m = RFC3339.exec(text);
    if (!m) return;
    const [, y, mo, d, h, mi, s, frac = '', z, sign, oh = '00', om = '00'] = m;
    const offset = z ? 0 : (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om));
    const parts: Parts = { year: Number(y), month: Number(mo), day: Number(d), hour: Number(h), minute: Number(mi), second: Number(s), nanos: frac.slice(0, 9).padEnd(9, '0'), offset, zone: z ? 'UTC' : '' };
    if (!z) {
      // Go uses the local zone when the offset is the local one at that instant, else a nameless fixed zone.
      const l = local(new Date(this.utcMillis(parts)));
      if (l.offsetMinutes === offset) parts.zone = l.name;
    }
    this.parts = parts;
  }

  private utcMillis(p: Parts): number {
    return utc(p.year, p.month, p.day, p.hour, p.minute, p.second) - p.offset * 60_000;
  }

  /** `time.Time.String()`: `2006-01-02 15:04:05.999999999 -0700 MST`. */
  toString(): string {
    return this.parts ? this.Format('2006-01-02 15:04:05.999999999 -0700 MST') : this.text;
  }

  /** `time.Time.MarshalJSON`: RFC 3339 with trailing zeros of the fraction dropped, `Z` for UTC. */
  toJSON(): string {
    return this.parts ? this.Format('2006-01-02T15:04:05.999999999Z07:00') : this.text;
  }

  Year(): number {
    return this.parts?.year ?? 1;
  }

  /** Go's `Month` prints its name. */
  Month(): string {
    return MONTHS[(this.parts?.month ?? 1) - 1]!;
  }

  Day(): number {
    return this.parts?.day ?? 1;
  }

  Hour(): number {
    return this.parts?.hour ?? 0;
  }

  Minute(): number {
    return this.parts?.minute ?? 0;
  }

  Second(): number {
    return this.parts?.second ?? 0;
  }

  Unix(): number {
    return this.parts ? Math.floor(this.utcMillis(this.parts) / 1000) : -62135596800;
  }

  IsZero(): boolean {
    return this.Unix() === -62135596800 && Number(this.parts?.nanos ?? 0) === 0;
  }

  /** `time.Time.Format` for Go's reference layout tokens (`2006-01-02T15:04:05Z07:00`, `Jan _2`, `.000`, …). */
  Format(layout: unknown): string {
    if (typeof layout !== 'string') throw new Error('wrong type for value; expected string');
    const p = this.parts;
    if (!p) return this.text;
    const weekday = new Date(utc(p.year, p.month, p.day)).getUTCDay();
    const yday = Math.round((utc(p.year, p.month, p.day) - utc(p.year, 1, 1)) / 86_400_000) + 1;
    const hour12 = p.hour % 12 === 0 ? 12 : p.hour % 12;
    const zoneName = p.zone || formatOffset(p.offset, false, false);
    const tokens: [RegExp, (m: string) => string][] = [
      [/^January/, () => MONTHS[p.month - 1]!],
      [/^Jan/, () => MONTHS[p.month - 1]!.slice(0, 3)],
      [/^Monday/, () => DAYS[weekday]!],
      [/^Mon/, () => DAYS[weekday]!.slice(0, 3)],
      [/^MST/, () => zoneName],
      [/^2006/, () => pad(p.year, 4)],
      [/^002/, () => pad(yday, 3)],
      [/^01/, () => pad(p.month)],
      [/^02/, () => pad(p.day)],
      [/^03/, () => pad(hour12)],
      [/^04/, () => pad(p.minute)],
      [/^05/, () => pad(p.second)],
      [/^06/, () => pad(p.year % 100)],
      [/^15/, () => pad(p.hour)],
      [/^__2/, () => String(yday).padStart(3, ' ')],
      [/^_2(?!006)/, () => String(p.day).padStart(2, ' ')],
      [/^1/, () => String(p.month)],
      [/^2/, () => String(p.day)],
      [/^3/, () => String(hour12)],
      [/^4/, () => String(p.minute)],
      [/^5/, () => String(p.second)],
      [/^PM/, () => (p.hour >= 12 ? 'PM' : 'AM')],
      [/^pm/, () => (p.hour >= 12 ? 'pm' : 'am')],
      [/^Z07:00:00|^Z070000|^Z07:00|^Z0700|^Z07/, (m) => (p.offset === 0 ? 'Z' : formatOffset(p.offset, m.includes(':'), m === 'Z07'))],
      [/^-07:00:00|^-070000|^-07:00|^-0700|^-07/, (m) => formatOffset(p.offset, m.includes(':'), m === '-07')],
      // A fraction: `.000` keeps its digits, `.999` drops trailing zeros (and the dot when none are left).
      [/^[.,](0+|9+)(?!\d)/, (m) => {
        const digits = p.nanos.slice(0, m.length - 1);
        if (m[1] === '0') return `${m[0]}${digits}`;
        const trimmed = digits.replace(/0+$/, '');
        return trimmed ? `${m[0]}${trimmed}` : '';
      }],
    ];
    let out = '';
    let rest = layout;
    outer: while (rest !== '') {
      for (const [re, f] of tokens) {
        const m = re.exec(rest);
        if (m) {
          out += f(m[0]);
          rest = rest.slice(m[0].length);
          continue outer;
        }
      }
      out += rest[0];
      rest = rest.slice(1);
    }
    return out;
  }
}
