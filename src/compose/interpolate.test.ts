import { test } from 'node:test';
import assert from 'node:assert/strict';
import { interpolate, interpolateString, mapLookup } from './interpolate.js';
import { parseDotenv } from './dotenv.js';
import { shellSplit } from './shell-split.js';

function env(vars: Record<string, string>): { lookup: ReturnType<typeof mapLookup>; warnings: string[] } {
  const warnings: string[] = [];
  return { lookup: mapLookup(vars, (m) => warnings.push(m)), warnings };
}

test('interpolation: the compose-spec forms', () => {
  const { lookup } = env({ SET: 'v', EMPTY: '' });
  const cases: [string, string][] = [
    ['$SET', 'v'],
    ['${SET}', 'v'],
    ['a${SET}b$SET.c', 'avbv.c'],
    ['${UNSET:-d}', 'd'],
    ['${EMPTY:-d}', 'd'],
    ['${EMPTY-d}', ''],
    ['${UNSET-d}', 'd'],
    ['${SET:-d}', 'v'],
    ['${SET:+alt}', 'alt'],
    ['${EMPTY:+alt}', ''],
    ['${EMPTY+alt}', 'alt'],
    ['${UNSET+alt}', ''],
    ['${UNSET:-${SET}x}', 'vx'],
    ['${UNSET:-${UNSET2:-deep}}', 'deep'],
    ['$$SET', '$SET'],
    ['cost: $$5', 'cost: $5'],
    ['${SET:?must}', 'v'],
  ];
  for (const [input, want] of cases) assert.equal(interpolateString(input, 'x', lookup), want, input);
});

test('interpolation: an unset variable is warned once and blank', () => {
  const { lookup, warnings } = env({});
  assert.equal(interpolateString('a${NOPE}b$NOPE', 'x', lookup), 'ab');
  assert.deepEqual(warnings, ['The "NOPE" variable is not set. Defaulting to a blank string.']);
});

test('interpolation: required variables fail with their message and the path', () => {
  const { lookup } = env({ EMPTY: '' });
  assert.throws(() => interpolateString('${NOPE:?set NOPE first}', 'services.web.image', lookup), {
    message: 'error while interpolating services.web.image: required variable NOPE is missing a value: set NOPE first',
  });
  assert.throws(() => interpolateString('${EMPTY:?}', 'p', lookup), { message: 'error while interpolating p: required variable EMPTY is missing a value' });
  assert.equal(interpolateString('${EMPTY?x}', 'p', lookup), '');
  assert.throws(() => interpolateString('${NOPE?x}', 'p', lookup), /required variable NOPE is missing a value: x/);
});

test('interpolation: malformed templates are named with their path', () => {
  const { lookup } = env({});
  for (const bad of ['${', '${FOO', '${1X}', '${FOO!x}', 'a $ b']) {
    assert.throws(() => interpolateString(bad, 'services.web.environment.[]', lookup), {
      message: `invalid interpolation format for services.web.environment.[]: ${JSON.stringify(bad)}; you may need to escape any $ with another $`,
    });
  }
});

test('interpolation walks values, not keys, with list paths', () => {
  const { lookup } = env({ TAG: '1.2', K: 'no' });
  const out = interpolate({ services: { web: { image: 'app:${TAG}', environment: ['A=$TAG'], ports: [8080], $K: 'x' } } }, '', lookup);
  assert.deepEqual(out, { services: { web: { image: 'app:1.2', environment: ['A=1.2'], ports: [8080], $K: 'x' } } });
  assert.throws(() => interpolate({ services: { web: { environment: ['A=${X:?}'] } } }, '', lookup), /services\.web\.environment\.\[\]: required variable X/);
});

test('dotenv: quotes, comments, export, substitutions, bare keys', () => {
  const text = [
    '# comment',
    'export A=1',
    'B = two words # trailing comment',
    "C='single ${A} #kept'",
    'D="double ${A}\\nline"',
    'E=${A}-${MISSING:-def}',
    'F="multi',
    'line"',
    'G=a#b',
    'FROMSHELL',
    'UNSETBARE',
    'H=',
    'I="\\$A"',
  ].join('\n');
  const vars = parseDotenv(text, '.env', (k) => (k === 'FROMSHELL' ? 'shell' : undefined));
  assert.deepEqual(vars, { A: '1', B: 'two words', C: 'single ${A} #kept', D: 'double 1\nline', E: '1-def', F: 'multi\nline', G: 'a#b', FROMSHELL: 'shell', H: '', I: '$A' });
  assert.throws(() => parseDotenv('1BAD=x', '/p/.env'), /failed to read \/p\/.env: line 1: unexpected character "1" in variable name "1BAD"/);
});

test('shellSplit splits a command string as compose does', () => {
  assert.deepEqual(shellSplit(`sh -c 'echo "a b"; exit 3'`), ['sh', '-c', 'echo "a b"; exit 3']);
  assert.deepEqual(shellSplit(`echo "x \\"y\\"" z\\ w ''`), ['echo', 'x "y"', 'z w', '']);
  assert.throws(() => shellSplit(`echo "open`), /unterminated double quote/);
});
