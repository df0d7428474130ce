import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EscapeScanner, parseDetachKeys } from './hijacked-io.js';

test('parseDetachKeys reads docker\'s key syntax, falling back to ctrl-p,ctrl-q', () => {
  assert.deepEqual([...parseDetachKeys(undefined)], [16, 17]);
  assert.deepEqual([...parseDetachKeys('ctrl-a,x')], [1, 120]);
  assert.deepEqual([...parseDetachKeys('ctrl-@,ctrl-[,ctrl-_')], [0, 27, 31]);
  assert.deepEqual([...parseDetachKeys('ctrl-1')], [16, 17]);
  assert.deepEqual([...parseDetachKeys('abc')], [16, 17]);
});

test('EscapeScanner holds back a partial sequence and detaches on the whole one', () => {
  const s = new EscapeScanner(Buffer.from([16, 17]));
  assert.deepEqual(s.push(Buffer.from('ab')), { pass: Buffer.from('ab'), escaped: false });
  // ctrl-p alone is held; the next byte that is not ctrl-q releases it.
  assert.deepEqual(s.push(Buffer.from([16])), { pass: Buffer.alloc(0), escaped: false });
  assert.deepEqual(s.push(Buffer.from('x')), { pass: Buffer.from([16, 120]), escaped: false });
  assert.deepEqual(s.push(Buffer.from([104, 16])), { pass: Buffer.from('h'), escaped: false });
  assert.deepEqual(s.push(Buffer.from([17, 105])), { pass: Buffer.alloc(0), escaped: true });
});
