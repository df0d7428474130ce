import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorsAsText, execStartChecksJson, infoForVersion, networkListDetailed, waitForVersion } from './version-quirks.js';

test('info: name-only security options before 1.25, <unknown> kernel and OS before 1.39', () => {
  const out = { SecurityOptions: ['name=seccomp,profile=builtin', 'name=cgroupns'], KernelVersion: '', OperatingSystem: '', Runtimes: {} };
  assert.deepEqual(infoForVersion(out, 24).SecurityOptions, ['seccomp', 'cgroupns']);
  assert.deepEqual(infoForVersion(out, 25).SecurityOptions, out.SecurityOptions);
  assert.equal(infoForVersion(out, 38).KernelVersion, '<unknown>');
  assert.equal(infoForVersion(out, 38).OperatingSystem, '<unknown>');
  assert.equal(infoForVersion(out, 39).KernelVersion, '');
  assert.equal(infoForVersion({ ...out, KernelVersion: '6.1.0' }, 21).KernelVersion, '6.1.0');
});

test('wait: the condition and early headers from 1.30, silent removal failures before 1.34', () => {
  assert.deepEqual(waitForVersion(29), { readCondition: false, headersFirst: false, emptyOnRemovalError: true });
  assert.deepEqual(waitForVersion(30), { readCondition: true, headersFirst: true, emptyOnRemovalError: true });
  assert.deepEqual(waitForVersion(34), { readCondition: true, headersFirst: true, emptyOnRemovalError: false });
});

test('errors in plain text up to 1.23, exec start reads any body at 1.21, detailed network lists before 1.28', () => {
  assert.equal(errorsAsText(23), true);
  assert.equal(errorsAsText(24), false);
  assert.equal(errorsAsText(undefined), false);
  assert.equal(execStartChecksJson(21), false);
  assert.equal(execStartChecksJson(22), true);
  assert.equal(networkListDetailed(27), true);
  assert.equal(networkListDetailed(28), false);
});
