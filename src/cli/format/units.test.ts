// Expected values come from docker/go-units' size_test.go / duration_test.go and Go's time_test.go.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  bytesSize,
  createdAgo,
  formatG,
  humanDuration,
  humanSize,
  humanSizeWithPrecision,
  parseBytes,
  parseDuration,
} from './units.js';

const KiB = 1024, MiB = KiB * 1024, GiB = MiB * 1024, TiB = GiB * 1024, PiB = TiB * 1024;
const KB = 1000, MB = KB * 1000, GB = MB * 1000, TB = GB * 1000, PB = TB * 1000;

test('humanSizeWithPrecision(…, 4) matches go-units HumanSize', () => {
  const cases: [number, string][] = [
    [1000, '1kB'], [1024, '1.024kB'], [1_000_000, '1MB'], [1_048_576, '1.049MB'], [2 * MB, '2MB'],
    [3.42 * GB, '3.42GB'], [5.372 * TB, '5.372TB'], [2.22 * PB, '2.22PB'], [10_000_000_000_000 * PB, '1e+04YB'],
  ];
  for (const [n, s] of cases) assert.equal(humanSizeWithPrecision(n, 4), s, String(n));
});

test('humanSize is the docker images SIZE column (precision 3)', () => {
  const cases: [number, string][] = [
    [0, '0B'], [1, '1B'], [999, '999B'], [1000, '1kB'], [1024, '1.02kB'], [1_240_000, '1.24MB'],
    [4_261_804, '4.26MB'], [77_800_000, '77.8MB'], [187_654_321, '188MB'], [1_125, '1.12kB'], [1_135, '1.14kB'],
    [999_500, '1e+03kB'], [999_499, '999kB'], [7_000_000_000, '7GB'],
  ];
  for (const [n, s] of cases) assert.equal(humanSize(n), s, String(n));
});

test('bytesSize matches go-units BytesSize', () => {
  const cases: [number, string][] = [
    [1024, '1KiB'], [1024 * 1024, '1MiB'], [2 * MiB, '2MiB'], [1.5 * MiB, '1.5MiB'], [3.42 * GiB, '3.42GiB'],
    [5.372 * TiB, '5.372TiB'], [2.22 * PiB, '2.22PiB'], [KiB ** 5 * PiB, '1.049e+06YiB'], [0, '0B'], [512, '512B'],
  ];
  for (const [n, s] of cases) assert.equal(bytesSize(n), s, String(n));
});

test('formatG follows Go %g', () => {
  const cases: [number, number, string][] = [
    [1.5, 3, '1.5'], [100, 3, '100'], [1000, 3, '1e+03'], [0.0001234, 3, '0.000123'], [0.00001234, 3, '1.23e-05'],
    [123456, 3, '1.23e+05'], [-2.5, 3, '-2.5'], [2.675, 3, '2.67'], [0.125, 2, '0.12'], [0.375, 2, '0.38'],
    [9.995, 3, '9.99'], [9.9951, 3, '10'], [1e21, 4, '1e+21'],
  ];
  for (const [x, p, s] of cases) assert.equal(formatG(x, p), s, `${x} %.${p}g`);
});

test('humanDuration matches go-units HumanDuration', () => {
  const s = 1000, min = 60 * s, h = 60 * min, day = 24 * h, week = 7 * day, month = 30 * day, year = 365 * day;
  const cases: [number, string][] = [
    [450, 'Less than a second'], [-5 * s, 'Less than a second'], [1 * s, '1 second'], [45 * s, '45 seconds'],
    [59 * s, '59 seconds'], [60 * s, 'About a minute'], [3 * min, '3 minutes'], [35 * min + 40 * s, '35 minutes'],
    [59 * min, '59 minutes'], [1 * h, 'About an hour'], [h + 29 * min, 'About an hour'], [h + 31 * min, '2 hours'],
    [3 * h, '3 hours'], [3 * h + 29 * min, '3 hours'], [3 * h + 31 * min, '4 hours'], [24 * h, '24 hours'],
    [day + 12 * h, '36 hours'], [2 * day, '2 days'], [7 * day, '7 days'], [13 * day + 5 * h, '13 days'],
    [2 * week, '2 weeks'], [2 * week + 4 * day, '2 weeks'], [3 * week, '3 weeks'], [4 * week + 3 * day, '4 weeks'],
    [month, '4 weeks'], [month + 2 * week, '6 weeks'], [2 * month, '2 months'], [3 * month + week, '3 months'],
    [5 * month + 2 * week, '5 months'], [13 * month, '13 months'], [24 * month, '24 months'],
    [24 * month + 2 * week, '2 years'], [3 * year + 2 * month, '3 years'],
  ];
  for (const [ms, text] of cases) assert.equal(humanDuration(ms), text, String(ms));
});

test('createdAgo', () => {
  const now = Date.UTC(2024, 0, 10, 12, 0, 0);
  const nowS = now / 1000;
  assert.equal(createdAgo(nowS - 24 * 3600, now), '24 hours ago');
  assert.equal(createdAgo(nowS - 300, now), '5 minutes ago');
  assert.equal(createdAgo(nowS, now), 'Less than a second ago');
  assert.equal(createdAgo(nowS - 2 * 365 * 86400, now), '2 years ago');
  assert.equal(createdAgo(-62135596800, now), '');
});

test('parseBytes matches go-units RAMInBytes', () => {
  const ok: [string, number][] = [
    ['32', 32], ['32b', 32], ['32B', 32], ['32k', 32 * KiB], ['32K', 32 * KiB], ['32kb', 32 * KiB],
    ['32Kb', 32 * KiB], ['32Kib', 32 * KiB], ['32KIB', 32 * KiB], ['32Mb', 32 * MiB], ['32Gb', 32 * GiB],
    ['32Tb', 32 * TiB], ['32Pb', 32 * PiB], ['32PB', 32 * PiB], ['32P', 32 * PiB], ['32.3', 32],
    ['32.3 mb', Math.trunc(32.3 * MiB)], ['0.3MB', Math.trunc(0.3 * MiB)], ['64m', 64 * MiB], ['1g', GiB],
    ['512k', 512 * KiB], ['100', 100], ['0', 0], ['-0', 0], ['0 ', 0], ['32.', 32], ['.5k', 512], ['1.5GiB', 1.5 * GiB],
  ];
  for (const [s, n] of ok) assert.equal(parseBytes(s), n, s);
  for (const s of ['', 'hello', '-32', ' 32 ', '32m b', '32bm', '.', ' 0', '32 bb', '32  b', '1x', '1kbb', '1mib ']) {
    assert.throws(() => parseBytes(s), { name: 'BerthError' }, JSON.stringify(s));
  }
  assert.throws(() => parseBytes('hello'), { message: "invalid size: 'hello'" });
  assert.throws(() => parseBytes('1x'), { message: "invalid suffix: 'x'" });
  assert.throws(() => parseBytes('-32'), { message: "invalid size: '-32'" });
});

test('parseDuration matches Go time.ParseDuration (nanoseconds)', () => {
  const ns = 1, us = 1000, ms = 1e6, s = 1e9, m = 60 * s, h = 60 * m;
  const ok: [string, number][] = [
    ['0', 0], ['5s', 5 * s], ['30s', 30 * s], ['1478s', 1478 * s], ['-5s', -5 * s], ['+5s', 5 * s], ['-0', 0],
    ['+0', 0], ['5.0s', 5 * s], ['5.6s', 5 * s + 600 * ms], ['5.s', 5 * s], ['.5s', 500 * ms], ['1.004s', s + 4 * ms],
    ['100.00100s', 100 * s + ms], ['10ns', 10 * ns], ['11us', 11 * us], ['12µs', 12 * us], ['12μs', 12 * us],
    ['13ms', 13 * ms], ['15m', 15 * m], ['16h', 16 * h], ['3h30m', 3 * h + 30 * m], ['1h30m', 90 * m],
    ['10.5s4m', 4 * m + 10.5 * s], ['-2m3.4s', -(2 * m + 3.4 * s)], ['1h2m3s4ms5us6ns', h + 2 * m + 3 * s + 4 * ms + 5 * us + 6],
    ['39h9m14.425s', 39 * h + 9 * m + 14.425 * s], ['52763797000ns', 52763797000], ['0.3333333333333333333h', 20 * m],
    ['0.100000000000000000000h', 6 * m], ['0.830103483285477580700h', 49 * m + 48 * s + 372539827],
    ['500ms', 500 * ms], ['10s', 10 * s],
  ];
  for (const [text, n] of ok) assert.equal(parseDuration(text), n, text);
  for (const text of ['', '3', '-', 's', '.', '-.', '.s', '+.s', '1d', '9223372036854775808ns', '-9223372036854775809ns', '1h 2m']) {
    assert.throws(() => parseDuration(text), { name: 'BerthError' }, JSON.stringify(text));
  }
  assert.throws(() => parseDuration('3'), { message: 'time: missing unit in duration "3"' });
  assert.throws(() => parseDuration('1d'), { message: 'time: unknown unit "d" in duration "1d"' });
  assert.throws(() => parseDuration('abc'), { message: 'time: invalid duration "abc"' });
});
