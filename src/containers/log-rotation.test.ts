import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLogSize } from './log-rotation.js';

test('max-size parses as Docker does', () => {
  assert.equal(parseLogSize('512'), 512);
  assert.equal(parseLogSize('1k'), 1024);
  assert.equal(parseLogSize('10m'), 10 * 1024 * 1024);
  assert.equal(parseLogSize('1.5g'), Math.round(1.5 * 1024 ** 3));
  assert.throws(() => parseLogSize('lots'), /invalid size/);
});
