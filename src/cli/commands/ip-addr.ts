/**
 * The parts of Go's `net` package that docker's flag validation relies on: `ParseIP` (and the
 * canonical `IP.String` that `--dns` sends), `ParseCIDR` with `IPNet.Contains` (the subnet checks
 * of `network create`) and `ParseMAC` (`--mac-address`).
 */

/** An address as Go's `net.IP` holds it: 4 bytes for IPv4, 16 for IPv6. */
export type IPBytes = Uint8Array;

function parseIPv4(s: string): IPBytes | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (const [i, p] of parts.entries()) {
    // Go rejects leading zeros since 1.17 (they used to mean octal to some parsers).
    if (!/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255) return undefined;
    out[i] = Number(p);
  }
  return out;
}

function parseIPv6(s: string): IPBytes | undefined {
  const out = new Uint8Array(16);
  let ellipsis = -1;
  let rest = s;
  if (rest.startsWith('::')) {
    ellipsis = 0;
    rest = rest.slice(2);
    if (rest === '') return out;
  }
  let i = 0;
  while (i < 16) {
    const m = /^[0-9a-fA-F]{1,4}/.exec(rest);
    if (!m) return undefined;
    // An embedded IPv4 address takes the last four bytes.
    if (rest[m[0].length] === '.') {
      if (ellipsis < 0 && i !== 12) return undefined;
      if (i + 4 > 16) return undefined;
      const v4 = parseIPv4(rest);
      if (!v4) return undefined;
      out.set(v4, i);
      i += 4;
      rest = '';
      break;
    }
    const n = parseInt(m[0], 16);
    out[i] = n >> 8;
    out[i + 1] = n & 0xff;
    i += 2;
    rest = rest.slice(m[0].length);
    if (rest === '') break;
    if (rest[0] !== ':' || rest.length === 1) return undefined;
    rest = rest.slice(1);
    if (rest[0] === ':') {
      if (ellipsis >= 0) return undefined;
      ellipsis = i;
      rest = rest.slice(1);
      if (rest === '') break;
    }
  }
  if (rest !== '') return undefined;
  if (i < 16) {
    if (ellipsis < 0) return undefined;
    const n = 16 - i;
    out.copyWithin(ellipsis + n, ellipsis, i);
    out.fill(0, ellipsis, ellipsis + n);
  } else if (ellipsis >= 0) {
    return undefined;
  }
  return out;
}

/** Go's `net.ParseIP`: dotted IPv4 or IPv6 (no zone); undefined when invalid. */
export function parseIP(s: string): IPBytes | undefined {
  if (s.includes('.') && !s.includes(':')) return parseIPv4(s);
  if (s.includes(':')) return parseIPv6(s);
  return undefined;
}

/** Go's `IP.To4`: the IPv4 form of a v4 or v4-mapped v6 address. */
function to4(ip: IPBytes): IPBytes | undefined {
  if (ip.length === 4) return ip;
  if (ip.length === 16 && ip.subarray(0, 10).every((b) => b === 0) && ip[10] === 0xff && ip[11] === 0xff) return ip.subarray(12);
  return undefined;
}

/** Go's `IP.String`: dotted IPv4 (also for v4-mapped addresses), RFC 5952 IPv6. */
export function ipString(ip: IPBytes): string {
  const v4 = to4(ip);
  if (v4) return [...v4].join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((ip[i]! << 8) | ip[i + 1]!);
  // The longest run of two or more zero groups (the first of equals) becomes `::`.
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      best = i;
      bestLen = j - i;
    }
    i = j === i ? i + 1 : j;
  }
  if (best < 0) return groups.map((g) => g.toString(16)).join(':');
  const head = groups.slice(0, best).map((g) => g.toString(16)).join(':');
  const tail = groups.slice(best + bestLen).map((g) => g.toString(16)).join(':');
  return `${head}::${tail}`;
}

/** A parsed `net.IPNet`. */
export interface IPNet {
  ip: IPBytes;
  mask: IPBytes;
}

/**
 * Go's `net.ParseCIDR`, returning the network.
 * @throws Error `invalid CIDR address: S`, Go's `ParseError` wording.
 */
export function parseCIDR(s: string): IPNet {
  const slash = s.indexOf('/');
  const addr = slash < 0 ? s : s.slice(0, slash);
  const bits = slash < 0 ? '' : s.slice(slash + 1);
  const ip = parseIP(addr);
  const len = ip && !addr.includes(':') ? 32 : 128;
  if (!ip || !/^\d+$/.test(bits) || Number(bits) > len) throw new Error(`invalid CIDR address: ${s}`);
  const mask = new Uint8Array(len / 8);
  for (let i = 0, n = Number(bits); i < mask.length; i++, n -= 8) mask[i] = n >= 8 ? 0xff : n <= 0 ? 0 : (0xff << (8 - n)) & 0xff;
  return { ip: ip.map((b, i) => b & mask[i]!), mask };
}

/** Go's `IPNet.Contains`. */
export function cidrContains(n: IPNet, ip: IPBytes | undefined): boolean {
  if (!ip) return false;
  let nn: IPBytes = to4(n.ip) ?? n.ip;
  let m = n.mask;
  if (m.length === 16 && nn.length === 4) m = m.subarray(12);
  if (nn.length !== m.length) return false;
  const x = to4(ip) ?? ip;
  if (x.length !== nn.length) return false;
  nn = nn.subarray(0);
  return x.every((b, i) => (b & m[i]!) === (nn[i]! & m[i]!));
}

/** Go's `net.ParseMAC` as a check: 6, 8 or 20 octets, `:`/`-` or dotted-quad-hex notation. */
export function isValidMAC(s: string): boolean {
  if (s.length < 14) return false;
  if (s[2] === ':' || s[2] === '-') {
    if ((s.length + 1) % 3 !== 0) return false;
    const n = (s.length + 1) / 3;
    if (n !== 6 && n !== 8 && n !== 20) return false;
    const sep = s[2] === ':' ? ':' : '-';
    return s.split(sep).every((p) => /^[0-9a-fA-F]{2}$/.test(p));
  }
  if (s[4] === '.') {
    if ((s.length + 1) % 5 !== 0) return false;
    const n = (2 * (s.length + 1)) / 5;
    if (n !== 6 && n !== 8 && n !== 20) return false;
    return s.split('.').every((p) => /^[0-9a-fA-F]{4}$/.test(p));
  }
  return false;
}
