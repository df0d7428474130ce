import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logOptions, mergeLogConfig } from './log-config.js';

const DEFAULT = { type: 'json-file', config: {} };

test('create: the default driver fills an empty type, its default options fill the gaps', () => {
  assert.deepEqual(mergeLogConfig({ type: '', config: { 'max-file': '100' } }, DEFAULT), { type: 'json-file', config: { 'max-file': '100' } });
  const defaults = { type: 'local', config: { 'max-size': '1m', 'cache-disabled': 'true' } };
  assert.deepEqual(mergeLogConfig({ type: '', config: {} }, defaults), { type: 'local', config: { 'max-size': '1m', 'cache-disabled': 'true' } });
  // Another driver only inherits the log cache's options.
  assert.deepEqual(mergeLogConfig({ type: 'json-file', config: {} }, defaults), { type: 'json-file', config: { 'cache-disabled': 'true' } });
  assert.deepEqual(mergeLogConfig({ type: 'none', config: { anything: 'goes' } }, DEFAULT), { type: 'none', config: { anything: 'goes' } });
});

test('create: drivers and option names are checked with moby\'s messages', () => {
  const refused = (type: string, config: Record<string, string>, message: RegExp | string) =>
    assert.throws(() => mergeLogConfig({ type, config }, DEFAULT), (err: Error) => (typeof message === 'string' ? err.message === message : message.test(err.message)));
  refused('asdf', {}, 'error looking up logging plugin asdf: plugin "asdf" not found');
  refused('json-file', { 'max-sise': '1m' }, "unknown log opt 'max-sise' for json-file log driver");
  refused('local', { tag: 'x' }, "unknown log opt 'tag' for log driver local");
  refused('json-file', { mode: 'fast' }, 'logger: logging mode not supported: fast');
  refused('json-file', { 'max-buffer-size': '1m' }, "logger: max-buffer-size option is only supported with 'mode=non-blocking'");
  refused('json-file', { mode: 'non-blocking', 'max-buffer-size': 'x' }, "error parsing option max-buffer-size: invalid size: 'x'");
  refused('local', { 'cache-disabled': 'maybe' }, 'invalid value for option cache-disabled: maybe');
  refused('syslog', {}, /not supported by berth/);
  // Values are the driver's business, at start.
  assert.doesNotThrow(() => mergeLogConfig({ type: 'json-file', config: { 'max-size': 'lots', mode: 'non-blocking', 'max-buffer-size': '4m', labels: 'a' } }, DEFAULT));
});

test('start: json-file values as its New() parses them (decimal sizes)', () => {
  assert.deepEqual(logOptions({ type: 'json-file', config: {} }), { driver: 'json-file', maxSize: -1, maxFile: 1 });
  assert.deepEqual(logOptions({ type: 'json-file', config: { 'max-size': '10m', 'max-file': '3' } }), { driver: 'json-file', maxSize: 10_000_000, maxFile: 3 });
  assert.deepEqual(logOptions({ type: 'json-file', config: { 'max-file': '100' } }), { driver: 'json-file', maxSize: -1, maxFile: 100 });
  // A record from before create resolved the driver.
  assert.deepEqual(logOptions({ type: '', config: { 'max-size': '1k' } }), { driver: 'json-file', maxSize: 1000, maxFile: 1 });
  const fails = (config: Record<string, string>, tail: string) =>
    assert.throws(() => logOptions({ type: 'json-file', config }), { message: `failed to create task for container: failed to initialize logging driver: ${tail}` });
  fails({ 'max-size': 'lots' }, "invalid size: 'lots'");
  fails({ 'max-size': '10x' }, "invalid suffix: 'x'");
  fails({ 'max-size': '0' }, 'max-size must be a positive number');
  fails({ 'max-file': 'two' }, 'strconv.Atoi: parsing "two": invalid syntax');
  fails({ 'max-file': '0' }, 'max-file cannot be less than 1');
  fails({ compress: 'yes' }, 'strconv.ParseBool: parsing "yes": invalid syntax');
  fails({ compress: 'true', 'max-size': '1m' }, 'compress cannot be true when max-file is less than 2 or max-size is not set');
});

test('start: local keeps 5 files of 20 MiB unless told otherwise', () => {
  assert.deepEqual(logOptions({ type: 'local', config: {} }), { driver: 'local', maxSize: 20 * 1024 * 1024, maxFile: 5 });
  assert.deepEqual(logOptions({ type: 'local', config: { 'max-size': '1k', 'max-file': '2' } }), { driver: 'local', maxSize: 1000, maxFile: 2 });
  const fails = (config: Record<string, string>, tail: string) =>
    assert.throws(() => logOptions({ type: 'local', config }), { message: `failed to create task for container: failed to initialize logging driver: ${tail}` });
  fails({ 'max-size': 'big' }, "invalid value for max-size: big: invalid size: 'big'");
  fails({ 'max-file': 'x' }, 'invalid value for max-file: x: strconv.Atoi: parsing "x": invalid syntax');
  fails({ compress: 'x' }, 'error reading compress log option: strconv.ParseBool: parsing "x": invalid syntax');
  fails({ 'max-file': '1' }, 'compression cannot be enabled when max file count is 1');
  fails({ 'max-file': '-1', compress: 'false' }, 'max file count cannot be less than 0');
  assert.deepEqual(logOptions({ type: 'none', config: {} }), { driver: 'none', maxSize: -1, maxFile: 1 });
});
