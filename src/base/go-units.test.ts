import { test } from 'node:test';
import assert from 'node:assert/strict';
import { atoi, fromHumanSize, parseBool, ramInBytes } from './go-units.js';

test('sizes: FromHumanSize is decimal, RAMInBytes binary, with go-units messages', () => {
  assert.equal(fromHumanSize('10m'), 10_000_000);
  assert.equal(fromHumanSize('1.5k'), 1500);
  assert.equal(fromHumanSize('10 MB'), 10_000_000);
  assert.equal(fromHumanSize('512'), 512);
  assert.equal(ramInBytes('10m'), 10 * 1024 * 1024);
  assert.equal(ramInBytes('1GiB'), 1024 ** 3);
  assert.throws(() => fromHumanSize('lots'), { message: "invalid size: 'lots'" });
  assert.throws(() => fromHumanSize('-1'), { message: "invalid size: '-1'" });
  assert.throws(() => fromHumanSize('10x'), { message: "invalid suffix: 'x'" });
  assert.throws(() => fromHumanSize('10mbb'), { message: "invalid suffix: 'mbb'" });
  assert.throws(() => fromHumanSize('1.2.3'), { message: 'strconv.ParseFloat: parsing "1.2.3": invalid syntax' });
});

test('strconv: Atoi and ParseBool', () => {
  assert.equal(atoi('42'), 42);
  assert.equal(atoi('-3'), -3);
  assert.equal(atoi('+7'), 7);
  assert.throws(() => atoi('4.2'), { message: 'strconv.Atoi: parsing "4.2": invalid syntax' });
  assert.throws(() => atoi('99999999999999999999'), { message: 'strconv.Atoi: parsing "99999999999999999999": value out of range' });
  for (const t of ['1', 't', 'T', 'TRUE', 'true', 'True']) assert.equal(parseBool(t), true);
  for (const f of ['0', 'f', 'F', 'FALSE', 'false', 'False']) assert.equal(parseBool(f), false);
  assert.throws(() => parseBool('yes'), { message: 'strconv.ParseBool: parsing "yes": invalid syntax' });
});
