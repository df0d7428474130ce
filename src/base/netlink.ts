/**
 * An rtnetlink client over `socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE)`: links, addresses and
 * routes set in-process instead of by `ip` and the CNI plugins. Calls are synchronous: the kernel
 * handles a NETLINK_ROUTE request inside the send and queues its answer before send returns, so
 * every read here is non-blocking and never waits. A socket acts on the network namespace it was
 * made in, whichever namespace its user is in later ({@link inNetns}).
 *
 * Failures throw Node-style system errors (`code`, negative `errno`) naming the operation.
 */
import { closeSync, openSync } from 'node:fs';
import { CLONE_NEWNET, closeFd, recv, send, sendAsync, setns, socket, systemError, unshare } from './libc.js';
import * as nl from './rtnetlink.js';

const AF_NETLINK = 16;
const SOCK_RAW = 3;
const SOCK_CLOEXEC = 0o2000000;
const NETLINK_ROUTE = 0;
const MSG_DONTWAIT = 0x40;
const ENODEV = 19;

export interface Link {
  index: number;
  flags: number;
  /** The link-layer address, as `ip link` prints it. */
  mac: string;
}

export interface VethSpec {
  /** The side in this socket's namespace. */
  name: string;
  peerName: string;
  /** An open fd of the namespace the peer is made in. */
  peerNetnsFd: number;
  mtu?: number | undefined;
  /** A bridge's ifindex: this side becomes its port. */
  master?: number | undefined;
  peerMac?: string | undefined;
  /** This side up at once (the peer stays down). */
  up?: boolean | undefined;
}

export interface AddressSpec {
  index: number;
  family: typeof nl.AF_INET | typeof nl.AF_INET6;
  /** 4 or 16 bytes. */
  address: Uint8Array;
  prefixLen: number;
  /** IPv4's broadcast address, as `ip addr add … brd +` and the CNI plugins set it. */
  broadcast?: Uint8Array | undefined;
  /** IPv6: usable at once, without duplicate address detection. */
  nodad?: boolean | undefined;
}

export class RtNetlink {
  private seq = 0;
  // Only ever read into: no need to zero it (a socket is opened per endpoint change).
  private readonly buf = Buffer.allocUnsafe(64 * 1024);

  private constructor(private fd: number) {}

  /** A socket in the calling thread's current network namespace. */
  static open(): RtNetlink {
    return new RtNetlink(socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
  }

  close(): void {
    if (this.fd < 0) return;
    closeFd(this.fd);
    this.fd = -1;
  }

  /**
   * Sends one request with NLM_F_ACK and reads up to its ack; returns the answers that came
   * before the ack (a GET's). A failed ack throws with its errno and `what`.
   */
  request(what: string, type: number, flags: number, parts: Uint8Array[]): nl.Message[] {
    const seq = this.next(what);
    send(this.fd, nl.message(type, nl.NLM_F_REQUEST | nl.NLM_F_ACK | flags, seq, parts));
    return this.answers(what, seq);
  }

  /**
   * {@link request} with the send (and so the kernel's handling) on libuv's threadpool, for
   * requests that take the kernel long. One at a time per socket: the answers are read after.
   */
  async requestAsync(what: string, type: number, flags: number, parts: Uint8Array[]): Promise<nl.Message[]> {
    const seq = this.next(what);
    const n = await sendAsync(this.fd, nl.message(type, nl.NLM_F_REQUEST | nl.NLM_F_ACK | flags, seq, parts));
    if (n < 0) throw new Error(`netlink: ${what}: the request could not be sent`);
    return this.answers(what, seq);
  }

  private next(what: string): number {
    if (this.fd < 0) throw new Error(`netlink: ${what}: the socket is closed`);
    return (this.seq = (this.seq + 1) >>> 0);
  }

  private answers(what: string, seq: number): nl.Message[] {
    const answers: nl.Message[] = [];
    for (;;) {
      let n: number;
      try {
        n = recv(this.fd, this.buf, MSG_DONTWAIT);
      } catch (err) {
        throw systemError(-((err as NodeJS.ErrnoException).errno ?? 0), `netlink: ${what}: reading the answer`);
      }
      // Copied: the buffer is reused by the next read.
      for (const m of nl.parseMessages(Buffer.from(this.buf.subarray(0, n)))) {
        if (m.seq !== seq) continue; // an answer to an earlier request that failed half-way
        if (m.type === nl.NLMSG_ERROR) {
          const errno = nl.ackErrno(m.payload);
          if (errno) throw systemError(errno, `netlink: ${what}`);
          return answers;
        }
        if (m.type === nl.NLMSG_DONE) return answers;
        answers.push(m);
      }
    }
  }

  /** The link of that name, or undefined. */
  linkByName(name: string): Link | undefined {
    let answers: nl.Message[];
    try {
      answers = this.request(`getting link ${name}`, nl.RTM_GETLINK, 0, [nl.ifinfomsg({}), nl.attrString(nl.IFLA_IFNAME, name)]);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).errno === -ENODEV) return undefined;
      throw err;
    }
    const m = answers.find((a) => a.type === nl.RTM_NEWLINK);
    if (!m) return undefined;
    const link = nl.parseLink(m.payload);
    const mac = link.attrs.get(nl.IFLA_ADDRESS);
    return { index: link.index, flags: link.flags, mac: mac ? nl.formatMac(mac) : '' };
  }

  setUp(index: number, what = `setting link ${index} up`): void {
    this.request(what, nl.RTM_NEWLINK, 0, [nl.ifinfomsg({ index, flags: nl.IFF_UP, change: nl.IFF_UP })]);
  }

  /** A veth pair, its peer made straight in another namespace (as the CNI plugins' SetupVeth). */
  createVeth(v: VethSpec): void {
    const peer = [nl.ifinfomsg({}), nl.attrString(nl.IFLA_IFNAME, v.peerName), nl.attrU32(nl.IFLA_NET_NS_FD, v.peerNetnsFd)];
    if (v.mtu) peer.push(nl.attrU32(nl.IFLA_MTU, v.mtu));
    if (v.peerMac) peer.push(nl.attr(nl.IFLA_ADDRESS, nl.parseMac(v.peerMac)));
    const parts = [nl.ifinfomsg(v.up ? { flags: nl.IFF_UP, change: nl.IFF_UP } : {}), nl.attrString(nl.IFLA_IFNAME, v.name)];
    if (v.mtu) parts.push(nl.attrU32(nl.IFLA_MTU, v.mtu));
    if (v.master) parts.push(nl.attrU32(nl.IFLA_MASTER, v.master));
    parts.push(nl.nested(nl.IFLA_LINKINFO, [nl.attrString(nl.IFLA_INFO_KIND, 'veth'), nl.nested(nl.IFLA_INFO_DATA, [nl.nested(nl.VETH_INFO_PEER, peer)])]));
    this.request(`creating veth ${v.name}`, nl.RTM_NEWLINK, nl.NLM_F_CREATE | nl.NLM_F_EXCL, parts);
  }

  /** A link of a kind without options (`ip link add NAME type KIND`), down. */
  createLink(name: string, kind: string): void {
    const parts = [nl.ifinfomsg({}), nl.attrString(nl.IFLA_IFNAME, name), nl.nested(nl.IFLA_LINKINFO, [nl.attrString(nl.IFLA_INFO_KIND, kind)])];
    this.request(`creating ${kind} ${name}`, nl.RTM_NEWLINK, nl.NLM_F_CREATE | nl.NLM_F_EXCL, parts);
  }

  setMtu(index: number, mtu: number): void {
    this.request(`setting the MTU of link ${index}`, nl.RTM_NEWLINK, 0, [nl.ifinfomsg({ index }), nl.attrU32(nl.IFLA_MTU, mtu)]);
  }

  /** The addresses of a family on link `index` (a dump, filtered here). */
  addresses(family: typeof nl.AF_INET | typeof nl.AF_INET6, index: number): nl.AddressMessage[] {
    const answers = this.request(`listing the addresses of link ${index}`, nl.RTM_GETADDR, nl.NLM_F_DUMP, [nl.ifaddrmsg({ family, prefixLen: 0, index: 0 })]);
    return answers.filter((m) => m.type === nl.RTM_NEWADDR).map((m) => nl.parseAddress(m.payload)).filter((a) => a.index === index && a.family === family);
  }

  deleteAddress(a: nl.AddressMessage): void {
    const parts = [nl.ifaddrmsg({ family: a.family, prefixLen: a.prefixLen, index: a.index }), nl.attr(nl.IFA_LOCAL, a.address), nl.attr(nl.IFA_ADDRESS, a.address)];
    this.request(`deleting an address of link ${a.index}`, nl.RTM_DELADDR, 0, parts);
  }

  /** A bridge port's hairpin mode (what `bridge link set … hairpin on` sets). */
  setHairpin(index: number, on: boolean): void {
    const protinfo = nl.nested(nl.IFLA_PROTINFO, [nl.attrU8(nl.IFLA_BRPORT_MODE, on ? 1 : 0)], true);
    this.request(`setting hairpin mode on link ${index}`, nl.RTM_SETLINK, 0, [nl.ifinfomsg({ family: nl.AF_BRIDGE, index }), protinfo]);
  }

  /** Adds an address; `replace` updates one that is there (`ip addr replace`) instead of failing. */
  addAddress(a: AddressSpec, replace = false): void {
    const parts = [nl.ifaddrmsg({ family: a.family, prefixLen: a.prefixLen, flags: a.nodad ? nl.IFA_F_NODAD : 0, index: a.index }), nl.attr(nl.IFA_LOCAL, a.address), nl.attr(nl.IFA_ADDRESS, a.address)];
    if (a.broadcast) parts.push(nl.attr(nl.IFA_BROADCAST, a.broadcast));
    this.request(`adding an address to link ${a.index}`, nl.RTM_NEWADDR, nl.NLM_F_CREATE | (replace ? nl.NLM_F_REPLACE : nl.NLM_F_EXCL), parts);
  }

  /** The default route (`0.0.0.0/0` or `::/0`) via `gateway` on link `index`. */
  addDefaultRoute(family: typeof nl.AF_INET | typeof nl.AF_INET6, gateway: Uint8Array, index: number): void {
    const parts = [nl.rtmsg({ family, dstLen: 0 }), nl.attr(nl.RTA_GATEWAY, gateway), nl.attrU32(nl.RTA_OIF, index)];
    this.request(`adding the default route via link ${index}`, nl.RTM_NEWROUTE, nl.NLM_F_CREATE | nl.NLM_F_EXCL, parts);
  }

  /** Deletes a link by name (a veth's peer goes with it); false when there is none. */
  deleteLink(name: string): boolean {
    return notFoundIsFalse(() => this.request(`deleting link ${name}`, nl.RTM_DELLINK, 0, delLink(name)));
  }

  /**
   * {@link deleteLink} off the main thread: the kernel waits for RCU grace periods while it
   * deletes an interface (10–40 ms here), which would stall the event loop.
   */
  async deleteLinkAsync(name: string): Promise<boolean> {
    try {
      await this.requestAsync(`deleting link ${name}`, nl.RTM_DELLINK, 0, delLink(name));
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).errno === -ENODEV) return false;
      throw err;
    }
  }
}

const delLink = (name: string): Buffer[] => [nl.ifinfomsg({}), nl.attrString(nl.IFLA_IFNAME, name)];

function notFoundIsFalse(fn: () => unknown): boolean {
  try {
    fn();
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).errno === -ENODEV) return false;
    throw err;
  }
}

/**
 * Runs `fn` with the calling thread in another network namespace (an open nsfs fd), and puts
 * it back in its own afterwards, whatever `fn` does. Synchronous on purpose: namespace
 * membership is per thread, and on Node's main thread nothing else may run meanwhile.
 */
export function inNetns<T>(nsFd: number, fn: () => T): T {
  return awayAndBack(() => setns(nsFd, CLONE_NEWNET), fn);
}

/**
 * Runs `fn` in a new network namespace of the calling thread and returns the thread to its own
 * afterwards, whatever `fn` does; `fn` pins the namespace (bind mount) or it goes away.
 */
export function inNewNetns<T>(fn: () => T): T {
  return awayAndBack(() => unshare(CLONE_NEWNET), fn);
}

/** `enter` moves the calling thread to another network namespace; it is back in its own after `fn`. */
function awayAndBack<T>(enter: () => void, fn: () => T): T {
  const own = openSync('/proc/thread-self/ns/net', 'r');
  try {
    enter();
    try {
      return fn();
    } finally {
      setns(own, CLONE_NEWNET);
    }
  } finally {
    closeSync(own);
  }
}
