import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatTimeNs, parseLogLine, parseTimeNs, splitRecords } from './log-file.js';

test("conmon's k8s-file lines read back as Docker log records", () => {
  const full = parseLogLine(Buffer.from('2026-11-24T03:14:10.259384829+00:00 stdout F hello'))!;
  assert.equal(full.stream, 'stdout');
  assert.equal(full.line.toString(), 'hello\n');
  assert.equal(full.time, '2026-11-24T03:14:10.259384829Z');
  const partial = parseLogLine(Buffer.from('2026-11-24T04:14:10.000000001+01:00 stderr P no newline'))!;
  assert.equal(partial.stream, 'stderr');
  assert.equal(partial.line.toString(), 'no newline');
  assert.equal(partial.time, '2026-11-24T03:14:10.000000001Z');
  assert.equal(parseLogLine(Buffer.from('2026-11-24T03:14:10Z stdout F ')!)?.line.toString(), '\n');
  assert.equal(parseLogLine(Buffer.from('garbage')), undefined);
  assert.equal(formatTimeNs(parseTimeNs('2026-01-02T03:04:05.5Z')!), '2026-01-02T03:04:05.500000000Z');
  const recs = [...splitRecords(Buffer.from('2026-11-24T03:14:10.1Z stdout F a\n2026-11-24T03:14:11.1Z stdout F b\nincomplete'))];
  assert.deepEqual(recs.map((r) => r.line.toString()), ['a\n', 'b\n']);
});
