import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseNetDev } from './net-stats.js';

test('/proc/<pid>/net/dev reads as Docker network stats, without lo', () => {
  const text = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:     100       2    0    0    0     0          0         0      100       2    0    0    0     0       0          0
  eth0:    1296      14    1    2    0     0          0         0      656        8    3    4    0     0       0          0
`;
  assert.deepEqual(parseNetDev(text), { eth0: { rx_bytes: 1296, rx_packets: 14, rx_errors: 1, rx_dropped: 2, tx_bytes: 656, tx_packets: 8, tx_errors: 3, tx_dropped: 4 } });
});
