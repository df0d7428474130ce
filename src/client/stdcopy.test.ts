import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { demultiplex } from './stdcopy.js';

const frame = (stream: number, text: string): Buffer => {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
};

test('demultiplex: frames split across and packed into reads go to their stream', async () => {
  const all = Buffer.concat([frame(1, 'out1\n'), frame(2, 'err\n'), frame(1, ''), frame(1, 'out2\n'), frame(0, 'echo\n')]);
  // Every split point, including inside headers.
  for (let cut = 0; cut <= all.length; cut++) {
    const out: string[] = [];
    const err: string[] = [];
    await demultiplex(Readable.from([all.subarray(0, cut), all.subarray(cut)].filter((b) => b.length)), (b) => void out.push(b.toString()), (b) => void err.push(b.toString()));
    assert.equal(out.join(''), 'out1\nout2\necho\n', `cut at ${cut}`);
    assert.equal(err.join(''), 'err\n');
  }
});

test('demultiplex: the daemon\'s in-band error and unknown streams fail', async () => {
  await assert.rejects(demultiplex(Readable.from([frame(3, 'boom')]), () => {}, () => {}), /error from daemon in stream: boom/);
  await assert.rejects(demultiplex(Readable.from([frame(7, 'x')]), () => {}, () => {}), /Unrecognized input header: 7/);
});

test('demultiplex: waits for a sink that applies backpressure', async () => {
  const order: string[] = [];
  await demultiplex(
    Readable.from([Buffer.concat([frame(1, 'a'), frame(2, 'b')])]),
    async (b) => {
      await new Promise((r) => setTimeout(r, 10));
      order.push(b.toString());
    },
    (b) => void order.push(b.toString()),
  );
  assert.deepEqual(order, ['a', 'b']);
});
