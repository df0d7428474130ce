/**
 * rtnetlink's wire format (linux/netlink.h, linux/rtnetlink.h, linux/if_link.h), pure: a request
 * is an `nlmsghdr` followed by a fixed header (`ifinfomsg`, `ifaddrmsg`, `rtmsg`) and type-length-
 * value attributes, each padded to 4 bytes, nested ones holding attributes of their own. All in
 * the host's byte order (little-endian on every platform berth runs on).
 */

export const NLM_F_REQUEST = 0x1;
export const NLM_F_ACK = 0x4;
export const NLM_F_REPLACE = 0x100;
export const NLM_F_DUMP = 0x300;
export const NLM_F_EXCL = 0x200;
export const NLM_F_CREATE = 0x400;

export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;

export const RTM_NEWLINK = 16;
export const RTM_DELLINK = 17;
export const RTM_GETLINK = 18;
export const RTM_SETLINK = 19;
export const RTM_NEWADDR = 20;
export const RTM_DELADDR = 21;
export const RTM_GETADDR = 22;
export const RTM_NEWROUTE = 24;

export const AF_UNSPEC = 0;
export const AF_INET = 2;
export const AF_BRIDGE = 7;
export const AF_INET6 = 10;

export const IFF_UP = 0x1;

export const IFLA_ADDRESS = 1;
export const IFLA_IFNAME = 3;
export const IFLA_MTU = 4;
export const IFLA_MASTER = 10;
export const IFLA_PROTINFO = 12;
export const IFLA_LINKINFO = 18;
export const IFLA_NET_NS_FD = 28;
export const IFLA_INFO_KIND = 1;
export const IFLA_INFO_DATA = 2;
export const VETH_INFO_PEER = 1;
/** IFLA_BRPORT_MODE: a bridge port's hairpin mode. */
export const IFLA_BRPORT_MODE = 4;

export const IFA_ADDRESS = 1;
export const IFA_LOCAL = 2;
export const IFA_BROADCAST = 4;
export const IFA_F_NODAD = 0x02;

export const RTA_DST = 1;
export const RTA_OIF = 4;
export const RTA_GATEWAY = 5;
export const RT_TABLE_MAIN = 254;
export const RTPROT_BOOT = 3;
export const RT_SCOPE_UNIVERSE = 0;
export const RT_SCOPE_LINK = 253;
export const RTN_UNICAST = 1;

export const NLA_F_NESTED = 0x8000;
const NLA_TYPE_MASK = 0x3fff;
const NLMSG_HDRLEN = 16;

const align4 = (n: number): number => (n + 3) & ~3;

/** One attribute: its header, `data`, and the padding to the next 4-byte boundary. */
export function attr(type: number, data: Uint8Array): Buffer {
  const out = Buffer.alloc(align4(4 + data.byteLength));
  out.writeUInt16LE(4 + data.byteLength, 0);
  out.writeUInt16LE(type, 2);
  out.set(data, 4);
  return out;
}

export function attrU32(type: number, n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0, 0);
  return attr(type, b);
}

export function attrU8(type: number, n: number): Buffer {
  return attr(type, Buffer.from([n & 0xff]));
}

/** A NUL-terminated string attribute (IFLA_IFNAME, IFLA_INFO_KIND). */
export function attrString(type: number, s: string): Buffer {
  return attr(type, Buffer.from(`${s}\0`));
}

/**
 * An attribute whose data is `parts` laid end to end (attributes, or a fixed header and then
 * attributes, as VETH_INFO_PEER takes); `flagNested` sets NLA_F_NESTED where the kernel asks for it.
 */
export function nested(type: number, parts: Uint8Array[], flagNested = false): Buffer {
  return attr(flagNested ? type | NLA_F_NESTED : type, Buffer.concat(parts));
}

export interface IfInfo {
  family?: number;
  /** ARPHRD_* type; 0 in requests. */
  type?: number;
  index?: number;
  flags?: number;
  /** Which bits of `flags` to change (0xffffffff: all). */
  change?: number;
}

/** `struct ifinfomsg` (16 bytes). */
export function ifinfomsg(i: IfInfo): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt8(i.family ?? AF_UNSPEC, 0);
  b.writeUInt16LE(i.type ?? 0, 2);
  b.writeInt32LE(i.index ?? 0, 4);
  b.writeUInt32LE((i.flags ?? 0) >>> 0, 8);
  b.writeUInt32LE((i.change ?? 0) >>> 0, 12);
  return b;
}

/** `struct ifaddrmsg` (8 bytes); flags above 8 bits go in IFA_FLAGS (none here needs them). */
export function ifaddrmsg(a: { family: number; prefixLen: number; flags?: number; scope?: number; index: number }): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt8(a.family, 0);
  b.writeUInt8(a.prefixLen, 1);
  b.writeUInt8(a.flags ?? 0, 2);
  b.writeUInt8(a.scope ?? RT_SCOPE_UNIVERSE, 3);
  b.writeUInt32LE(a.index, 4);
  return b;
}

/** `struct rtmsg` (12 bytes). */
export function rtmsg(r: { family: number; dstLen: number; table?: number; protocol?: number; scope?: number; type?: number }): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt8(r.family, 0);
  b.writeUInt8(r.dstLen, 1);
  b.writeUInt8(r.table ?? RT_TABLE_MAIN, 4);
  b.writeUInt8(r.protocol ?? RTPROT_BOOT, 5);
  b.writeUInt8(r.scope ?? RT_SCOPE_UNIVERSE, 6);
  b.writeUInt8(r.type ?? RTN_UNICAST, 7);
  return b;
}

/** A whole message: `nlmsghdr` (its length filled in) and the payload parts. */
export function message(type: number, flags: number, seq: number, parts: Uint8Array[]): Buffer {
  const body = Buffer.concat(parts);
  const out = Buffer.alloc(NLMSG_HDRLEN + body.byteLength);
  out.writeUInt32LE(out.byteLength, 0);
  out.writeUInt16LE(type, 4);
  out.writeUInt16LE(flags, 6);
  out.writeUInt32LE(seq >>> 0, 8);
  out.writeUInt32LE(0, 12);
  body.copy(out, NLMSG_HDRLEN);
  return out;
}

export interface Message {
  type: number;
  flags: number;
  seq: number;
  /** What follows the header (a view into the received buffer). */
  payload: Buffer;
}

/** The messages of one received datagram; a truncated one ends the list. */
export function parseMessages(buf: Buffer): Message[] {
  const out: Message[] = [];
  let off = 0;
  while (off + NLMSG_HDRLEN <= buf.byteLength) {
    const len = buf.readUInt32LE(off);
    if (len < NLMSG_HDRLEN || off + len > buf.byteLength) break;
    out.push({ type: buf.readUInt16LE(off + 4), flags: buf.readUInt16LE(off + 6), seq: buf.readUInt32LE(off + 8), payload: buf.subarray(off + NLMSG_HDRLEN, off + len) });
    off += align4(len);
  }
  return out;
}

/** Attributes by type (the nested/byte-order flags cleared); the last of a repeated type wins. */
export function parseAttrs(buf: Buffer): Map<number, Buffer> {
  const out = new Map<number, Buffer>();
  let off = 0;
  while (off + 4 <= buf.byteLength) {
    const len = buf.readUInt16LE(off);
    if (len < 4 || off + len > buf.byteLength) break;
    out.set(buf.readUInt16LE(off + 2) & NLA_TYPE_MASK, buf.subarray(off + 4, off + len));
    off += align4(len);
  }
  return out;
}

/** An NLMSG_ERROR payload's errno: 0 for an ack, positive for a failure. */
export function ackErrno(payload: Buffer): number {
  return payload.byteLength >= 4 ? 0 - payload.readInt32LE(0) : 0;
}

export interface LinkMessage {
  index: number;
  flags: number;
  attrs: Map<number, Buffer>;
}

/** An RTM_NEWLINK answer: the `ifinfomsg` and its attributes. */
export function parseLink(payload: Buffer): LinkMessage {
  return { index: payload.readInt32LE(4), flags: payload.readUInt32LE(8), attrs: parseAttrs(payload.subarray(16)) };
}

export interface AddressMessage {
  family: number;
  prefixLen: number;
  index: number;
  /** The interface's own address (IFA_LOCAL, or IFA_ADDRESS where there is none: IPv6). */
  address: Buffer;
}

/** An RTM_NEWADDR answer. */
export function parseAddress(payload: Buffer): AddressMessage {
  const attrs = parseAttrs(payload.subarray(8));
  return { family: payload.readUInt8(0), prefixLen: payload.readUInt8(1), index: payload.readUInt32LE(4), address: attrs.get(IFA_LOCAL) ?? attrs.get(IFA_ADDRESS) ?? Buffer.alloc(0) };
}

/** A link-layer address as `ip link` prints it (lowercase, colon-separated). */
export function formatMac(b: Uint8Array): string {
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
}

/** `aa:bb:…` or `aa-bb-…` to its bytes. */
export function parseMac(s: string): Buffer {
  return Buffer.from(s.split(/[:-]/).map((x) => parseInt(x, 16)));
}
