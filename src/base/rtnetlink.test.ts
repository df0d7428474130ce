import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nl from './rtnetlink.js';

test('attributes are padded to 4 bytes; their length excludes the padding', () => {
  const a = nl.attrString(nl.IFLA_IFNAME, 'eth0');
  assert.deepEqual([...a], [9, 0, 3, 0, 0x65, 0x74, 0x68, 0x30, 0, 0, 0, 0]);
  assert.deepEqual([...nl.attrU32(nl.IFLA_MTU, 1500)], [8, 0, 4, 0, 0xdc, 0x05, 0, 0]);
  assert.deepEqual([...nl.attrU8(nl.IFLA_BRPORT_MODE, 1)], [5, 0, 4, 0, 1, 0, 0, 0]);
});

test('a veth request nests the peer: ifinfomsg then its attributes inside VETH_INFO_PEER', () => {
  const peer = nl.nested(nl.VETH_INFO_PEER, [nl.ifinfomsg({}), nl.attrString(nl.IFLA_IFNAME, 'eth0')]);
  const linkinfo = nl.nested(nl.IFLA_LINKINFO, [nl.attrString(nl.IFLA_INFO_KIND, 'veth'), nl.nested(nl.IFLA_INFO_DATA, [peer])]);
  const msg = nl.message(nl.RTM_NEWLINK, nl.NLM_F_REQUEST | nl.NLM_F_ACK | nl.NLM_F_CREATE | nl.NLM_F_EXCL, 7, [nl.ifinfomsg({ flags: nl.IFF_UP, change: nl.IFF_UP }), linkinfo]);
  assert.equal(msg.readUInt32LE(0), msg.byteLength);
  assert.equal(msg.readUInt16LE(4), nl.RTM_NEWLINK);
  assert.equal(msg.readUInt16LE(6), 0x605);
  assert.equal(msg.readUInt32LE(8), 7);
  // Decoding walks back down to the peer's name.
  const [m] = nl.parseMessages(msg);
  const link = nl.parseLink(m!.payload);
  assert.equal(link.flags, nl.IFF_UP);
  const info = nl.parseAttrs(link.attrs.get(nl.IFLA_LINKINFO)!);
  assert.equal(info.get(nl.IFLA_INFO_KIND)!.toString(), 'veth\0');
  const peerData = nl.parseAttrs(info.get(nl.IFLA_INFO_DATA)!).get(nl.VETH_INFO_PEER)!;
  assert.equal(peerData.byteLength, 16 + 12);
  assert.equal(nl.parseAttrs(peerData.subarray(16)).get(nl.IFLA_IFNAME)!.toString(), 'eth0\0');
});

test('NLA_F_NESTED is set where asked and masked off when parsing', () => {
  const p = nl.nested(nl.IFLA_PROTINFO, [nl.attrU8(nl.IFLA_BRPORT_MODE, 1)], true);
  assert.equal(p.readUInt16LE(2), nl.IFLA_PROTINFO | nl.NLA_F_NESTED);
  assert.deepEqual([...nl.parseAttrs(p).keys()], [nl.IFLA_PROTINFO]);
});

test('fixed headers: ifaddrmsg and rtmsg fields in place', () => {
  assert.deepEqual([...nl.ifaddrmsg({ family: nl.AF_INET6, prefixLen: 64, flags: nl.IFA_F_NODAD, index: 3 })], [10, 64, 2, 0, 3, 0, 0, 0]);
  assert.deepEqual([...nl.rtmsg({ family: nl.AF_INET, dstLen: 0 })], [2, 0, 0, 0, 254, 3, 0, 1, 0, 0, 0, 0]);
});

test('a datagram of several messages, an ack and an error, and a truncated tail', () => {
  const ack = (seq: number, errno: number): Buffer => {
    const b = Buffer.alloc(20);
    b.writeInt32LE(-errno, 0);
    return nl.message(nl.NLMSG_ERROR, 0, seq, [b]);
  };
  const buf = Buffer.concat([ack(1, 0), ack(2, 17), Buffer.from([40, 0, 0, 0, 2, 0])]);
  const msgs = nl.parseMessages(buf);
  assert.deepEqual(msgs.map((m) => [m.type, m.seq, nl.ackErrno(m.payload)]), [
    [nl.NLMSG_ERROR, 1, 0],
    [nl.NLMSG_ERROR, 2, 17],
  ]);
});

test('MAC addresses both ways', () => {
  assert.equal(nl.formatMac(nl.parseMac('02:42:AC:11:00:99')), '02:42:ac:11:00:99');
  assert.equal(nl.formatMac(nl.parseMac('02-42-ac-11-00-0a')), '02:42:ac:11:00:0a');
});
