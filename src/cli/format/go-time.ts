/**
 * A timestamp of an API reply as the docker CLI holds it after decoding: a Go `time.Time` parsed
 * from RFC 3339, whose `String()` (`.CreatedAt`, `{{.Created}}`) and JSON form keep the zone
 * offset it was sent with.
 */

const RFC3339 = /^(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d):(\d\d)(?:\.(\d+))?(?:([Zz])|([+-])(\d\d):(\d\d))$/;

/** Go's `time.Time` decoded from JSON: prints as `String()`, marshals as RFC 3339 (nanoseconds). */
export class GoTime {
  /**
   * @param text the RFC 3339 text from the API; text that does not parse is kept and printed
   *   as given.
   * @param localOffsetMinutes the local zone's offset at that instant (minutes east of UTC) and
   *   its name, for times sent in the local offset, which Go then reports in the local zone.
   */
  constructor(
    readonly text: string,
    private readonly local: (instant: Date) => { offsetMinutes: number; name: string } = localZone,
  ) {}

  /** `time.Time.String()`: `2006-01-02 15:04:05.999999999 -0700 MST`. */
  toString(): string {
    const m = RFC3339.exec(this.text);
    if (!m) return this.text;
    const [, y, mo, d, h, mi, s, frac = '', z, sign, oh = '00', om = '00'] = m;
    const fraction = frac.slice(0, 9).replace(/0+$/, '');
    const base = `${y}-${mo}-${d} ${h}:${mi}:${s}${fraction ? `.${fraction}` : ''}`;
    if (z) return `${base} +0000 UTC`;
    const offset = (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om));
    const numeric = `${sign}${oh}${om}`;
    const instant = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) - offset * 60_000);
    const local = this.local(instant);
    // Go uses the local zone when the offset is the local one then; otherwise a nameless fixed zone.
    return `${base} ${numeric} ${local.offsetMinutes === offset ? local.name : numeric}`;
  }

  /** `time.Time.MarshalJSON`: RFC 3339 with trailing zeros of the fraction dropped, `Z` for UTC. */
  toJSON(): string {
    const m = RFC3339.exec(this.text);
    if (!m) return this.text;
    const [, y, mo, d, h, mi, s, frac = '', , sign, oh = '00', om = '00'] = m;
    const fraction = frac.slice(0, 9).replace(/0+$/, '');
    const zone = sign === undefined || (oh === '00' && om === '00') ? 'Z' : `${sign}${oh}:${om}`;
    return `${y}-${mo}-${d}T${h}:${mi}:${s}${fraction ? `.${fraction}` : ''}${zone}`;
  }
}

/** The local zone at an instant: its offset and short name (`UTC`, `CET`). */
function localZone(instant: Date): { offsetMinutes: number; name: string } {
  const offsetMinutes = -instant.getTimezoneOffset();
  const name = Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(instant).find((x) => x.type === 'timeZoneName')?.value ?? 'UTC';
  return { offsetMinutes, name };
}
