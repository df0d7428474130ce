/**
 * Gratuitous ARP: a container announces its IPv4 address and MAC on its interface as soon as it
 * has them, as the CNI bridge plugin did (and moby 28 does), so neighbours that knew the address
 * under an earlier container's MAC (a reused `--ip`) update at once instead of after their entry
 * goes stale.
 */
import { closeFd, sendto, socket } from '../base/libc.js';

const AF_PACKET = 17;
const SOCK_DGRAM = 2;
const SOCK_CLOEXEC = 0o2000000;
const ETH_P_ARP = 0x0806;
const ETH_P_IP = 0x0800;

/** An ARP request for `ip` from `ip` itself (j-keck/arping's gratuitous form, as the plugin sent it). */
export function garpPacket(mac: Buffer, ip: Buffer): Buffer {
  const b = Buffer.alloc(28);
  b.writeUInt16BE(1, 0); // Ethernet
  b.writeUInt16BE(ETH_P_IP, 2);
  b.writeUInt8(6, 4);
  b.writeUInt8(4, 5);
  b.writeUInt16BE(1, 6); // request
  mac.copy(b, 8);
  ip.copy(b, 14);
  b.fill(0xff, 18, 24);
  ip.copy(b, 24);
  return b;
}

/** `struct sockaddr_ll` for the broadcast address on interface `index`. */
export function broadcastAddr(index: number): Buffer {
  const a = Buffer.alloc(20);
  a.writeUInt16LE(AF_PACKET, 0);
  a.writeUInt16BE(ETH_P_ARP, 2);
  a.writeInt32LE(index, 4);
  a.writeUInt8(6, 11); // sll_halen
  a.fill(0xff, 12, 18);
  return a;
}

/** moby 28's default `com.docker.network.advertise_addr_nmsgs` and `…_ms`: three messages a second apart. */
const MESSAGES = 3;
const INTERVAL_MS = 1000;

/**
 * Announces `ips` on interface `index` now and twice more, a second apart (a new bridge port
 * drops frames until the kernel's link watcher has seen its carrier, which may take a while).
 * Best effort, as the plugin's (`_ = arping…`) and moby's: a failure only means neighbours learn
 * later. Called with the thread in the container's namespace: the packet socket made here stays
 * there, so the later sends run from anywhere; it is closed after the last.
 */
export function announce(index: number, mac: Buffer, ips: Buffer[]): void {
  if (!ips.length) return;
  let fd: number;
  try {
    // Protocol 0: a socket that only sends (it would otherwise queue every ARP packet it sees).
    fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  } catch {
    return; // no packet sockets here
  }
  const addr = broadcastAddr(index);
  const send = (): boolean => {
    try {
      for (const ip of ips) sendto(fd, garpPacket(mac, ip), addr);
      return true;
    } catch {
      return false; // the interface or its namespace is gone
    }
  };
  let left = MESSAGES - 1;
  if (!send()) left = 0;
  const close = (): void => {
    try {
      closeFd(fd);
    } catch {
      // closed already
    }
  };
  if (!left) return close();
  const timer = setInterval(() => {
    if (!send() || --left === 0) {
      clearInterval(timer);
      close();
    }
  }, INTERVAL_MS);
  timer.unref();
}
