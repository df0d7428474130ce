// Cases from github.com/fvbommel/sortorder's natsort_test.go, the order `docker volume ls` uses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { naturalCompare, naturalLess } from './natural-sort.js';

test('naturalLess: digit runs compare as numbers, fewer leading zeros first', () => {
  const sorted = ['a', 'a0', 'a00', 'a1', 'a01', 'a2', 'a10', 'a11', 'aa', 'b', 'vol2', 'vol10', 'z0', 'z00'];
  const shuffled = [...sorted].reverse();
  assert.deepEqual(shuffled.sort(naturalCompare), ['a', 'a0', 'a00', 'a1', 'a01', 'a2', 'a10', 'a11', 'aa', 'b', 'vol2', 'vol10', 'z0', 'z00']);
  assert.equal(naturalLess('1', 'a'), true);
  assert.equal(naturalLess('a', '1'), false);
  assert.equal(naturalLess('abc', 'abc'), false);
  assert.equal(naturalLess('ab', 'abc'), true);
  assert.equal(naturalLess('a99', 'a100'), true);
  assert.equal(naturalLess('Z', 'a'), true);
  assert.equal(naturalLess('a', 'é'), true);
});
