import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FilterArgs, parseTimestamp } from './filters.js';

test('both filter encodings parse, unknown keys are refused', () => {
  const a = FilterArgs.parse('{"label":{"a=b":true,"c":true},"dangling":{"true":true}}');
  assert.deepEqual(a.get('label'), ['a=b', 'c']);
  assert.equal(a.bool('dangling'), true);
  const b = FilterArgs.parse('{"label":["com.docker.compose.project=p"]}');
  assert.deepEqual(b.get('label'), ['com.docker.compose.project=p']);
  assert.throws(() => a.validate(['label']), /invalid filter 'dangling'/);
  assert.throws(() => FilterArgs.parse('[1]'), /invalid filter/);
  assert.throws(() => FilterArgs.parse('{"dangling":{"maybe":true}}').bool('dangling'), /invalid filter 'dangling=maybe'/);
});

test('label filters match key and key=value', () => {
  const f = FilterArgs.parse('{"label":{"a=b":true,"c":true}}');
  assert.equal(f.matchLabels('label', { a: 'b', c: '' }), true);
  assert.equal(f.matchLabels('label', { a: 'x', c: '' }), false);
  assert.equal(f.matchLabels('label', { a: 'b' }), false);
  assert.equal(f.matchLabels('label', null), false);
  assert.equal(new FilterArgs().matchLabels('label', null), true);
});

test('timestamps: unix seconds, RFC 3339, durations ago', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(parseTimestamp('1700000000', now), 1_700_000_000_000);
  assert.equal(parseTimestamp('1700000000.5', now), 1_700_000_000_500);
  assert.equal(parseTimestamp('2025-12-31T23:00:00Z', now), now - 3_600_000);
  assert.equal(parseTimestamp('10m', now), now - 600_000);
  assert.equal(parseTimestamp('1h30m', now), now - 5_400_000);
  assert.throws(() => parseTimestamp('yesterday', now), /failed to parse value as time or duration/);
});
