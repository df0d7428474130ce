import { test } from 'node:test';
import assert from 'node:assert/strict';
import { broadcastAddr, garpPacket } from './garp.js';

test('a gratuitous ARP request: sender and target are the announced address, the target MAC broadcast', () => {
  const p = garpPacket(Buffer.from([2, 0x42, 10, 0xf0, 0, 0x32]), Buffer.from([10, 240, 0, 50]));
  assert.equal(p.toString('hex'), '0001' + '0800' + '06' + '04' + '0001' + '02420af00032' + '0af00032' + 'ffffffffffff' + '0af00032');
  const a = broadcastAddr(3);
  assert.equal(a.toString('hex'), '1100' + '0806' + '03000000' + '0000' + '00' + '06' + 'ffffffffffff' + '0000');
});
