import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readlinkSync } from 'node:fs';
import { inNewNetns, RtNetlink } from './netlink.js';
import { IFF_UP, ifinfomsg, RTM_NEWLINK } from './rtnetlink.js';

const isRoot = process.getuid?.() === 0;

test('a GET answers the link; a failed request throws errno and the operation', () => {
  const nl = RtNetlink.open();
  try {
    const lo = nl.linkByName('lo');
    assert.equal(lo?.index, 1);
    assert.equal(lo?.mac, '00:00:00:00:00:00');
    assert.equal(nl.linkByName('berth-none0'), undefined);
    assert.throws(() => nl.setUp(0x7ffffff0, 'setting a missing link up'), (err: NodeJS.ErrnoException) => err.code === 'ENODEV' && err.errno === -19 && /netlink: setting a missing link up/.test(err.message));
    assert.equal(nl.deleteLink('berth-none0'), false);
    // The socket is still in step after a failure.
    assert.equal(nl.linkByName('lo')?.index, 1);
  } finally {
    nl.close();
  }
});

test('a request off the main thread reads its own ack', async () => {
  const nl = RtNetlink.open();
  try {
    assert.equal(await nl.deleteLinkAsync('berth-none0'), false);
    await assert.rejects(nl.requestAsync('setting a missing link up', RTM_NEWLINK, 0, [ifinfomsg({ index: 0x7ffffff0, flags: IFF_UP, change: IFF_UP })]), /ENODEV: netlink: setting a missing link up/);
    assert.equal(nl.linkByName('lo')?.index, 1);
  } finally {
    nl.close();
  }
});

test('a new network namespace: the thread is always back in its own', { skip: !isRoot }, () => {
  const own = readlinkSync('/proc/thread-self/ns/net');
  let inside = '';
  assert.throws(
    () =>
      inNewNetns(() => {
        inside = readlinkSync('/proc/thread-self/ns/net');
        const nl = RtNetlink.open();
        try {
          // Only lo exists there, down.
          assert.equal((nl.linkByName('lo')?.flags ?? 1) & 1, 0);
          nl.setUp(1);
          assert.equal((nl.linkByName('lo')?.flags ?? 0) & 1, 1);
        } finally {
          nl.close();
        }
        throw new Error('fails half-way');
      }),
    /fails half-way/,
  );
  assert.notEqual(inside, own);
  assert.equal(readlinkSync('/proc/thread-self/ns/net'), own);
});
