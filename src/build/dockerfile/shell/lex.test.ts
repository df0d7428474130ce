/**
 * BuildKit's own lexer tests (frontend/dockerfile/shell/lex_test.go and its envVarTest/wordsTest
 * tables, v0.22.0), run against the port, plus the exact error texts Docker prints.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { testdataPath } from '../../testdata.js';
import { shellPatternToRegex } from './pattern.js';
import { ShellLex, envsFromList, reversePattern, reverseString, type EnvGetter } from './lex.js';

function envsFromMap(m: Record<string, string>): EnvGetter {
  return envsFromList(Object.entries(m).map(([k, v]) => `${k}=${v}`));
}

describe('shell lexer: envVarTest (BuildKit table)', () => {
  const lines = readFileSync(testdataPath('buildkit/shell/envVarTest'), 'utf8').split('\n');
  const env = envsFromList(['PWD=/home', 'SHELL=bash', 'KOREAN=한국어', 'NULL=']);
  const lex = new ShellLex('\\');
  let count = 0;
  lines.forEach((raw, i) => {
    if (raw.startsWith('#')) return;
    const line = raw.trim();
    if (line === '') return;
    const parts = line.split('|');
    assert.equal(parts.length, 3, `line ${i + 1}`);
    const [platform, source, expected] = parts.map((p) => p.trim()) as [string, string, string];
    if (platform === 'W') return;
    count++;
    test(`line ${i + 1}: ${source}`, () => {
      if (expected === 'error') assert.throws(() => lex.processWord(source, env));
      else assert.equal(lex.processWord(source, env), expected);
    });
  });
  test('ran the table', () => assert.ok(count > 200));
});

describe('shell lexer: wordsTest (BuildKit table)', () => {
  const lines = readFileSync(testdataPath('buildkit/shell/wordsTest'), 'utf8').split('\n');
  const envs: string[] = [];
  const lex = new ShellLex('\\');
  lines.forEach((line, i) => {
    if (line.startsWith('#') || line === '') return;
    if (line.startsWith('ENV ')) {
      envs.push(line.slice(3).replace(/^ +/, ''));
      return;
    }
    const parts = line.split('|');
    assert.equal(parts.length, 2, `line ${i + 1}`);
    const input = parts[0]!.trim();
    const expected = parts[1]!.replace(/^ +/, '').split(',');
    const env = envsFromList([...envs]);
    test(`line ${i + 1}: ${input}`, () => {
      let result: string[];
      try {
        result = lex.processWords(input, env);
      } catch {
        result = ['error'];
      }
      assert.deepEqual(result, expected);
    });
  });
});

describe('shell lexer: ProcessWithMatches (BuildKit table)', () => {
  const cases: { input: string; env: Record<string, string>; expected?: string; matches?: string[]; unmatched?: string[]; error?: boolean }[] = [
  { input: "x", env: { "DUMMY": "dummy" }, expected: "x", matches: [], unmatched: [] },
  { input: "x ${UNUSED}", env: { "DUMMY": "dummy" }, expected: "x ", matches: [], unmatched: ["UNUSED"] },
  { input: "x ${FOO}", env: { "FOO": "y" }, expected: "x y", matches: ["FOO"], unmatched: [] },
  { input: "${FOO-aaa} ${BAR-bbb} ${BAZ-ccc}", env: { "FOO": "xxx", "BAR": "" }, expected: "xxx  ccc", matches: ["FOO", "BAR"], unmatched: ["BAZ"] },
  { input: "${FOO:-aaa} ${BAR:-bbb} ${BAZ:-ccc}", env: { "FOO": "xxx", "BAR": "" }, expected: "xxx bbb ccc", matches: ["FOO", "BAR"], unmatched: ["BAZ"] },
  { input: "${FOO:-}", env: { "FOO": "xxx", "BAR": "" }, expected: "xxx", matches: ["FOO"], unmatched: [] },
  { input: "${FOO:-}", env: {}, expected: "", matches: [], unmatched: ["FOO"] },
  { input: "${FOO+aaa} ${BAR+bbb} ${BAZ+ccc}", env: { "FOO": "xxx", "BAR": "" }, expected: "aaa bbb ", matches: ["FOO", "BAR"], unmatched: ["BAZ"] },
  { input: "${FOO:+aaa} ${BAR:+bbb} ${BAZ:+ccc}", env: { "FOO": "xxx", "BAR": "" }, expected: "aaa  ", matches: ["FOO", "BAR"], unmatched: ["BAZ"] },
  { input: "${FOO?aaa}", env: { "FOO": "xxx", "BAR": "" }, expected: "xxx", matches: ["FOO"], unmatched: [] },
  { input: "${BAR?bbb}", env: { "FOO": "xxx", "BAR": "" }, expected: "", matches: ["BAR"], unmatched: [] },
  { input: "${BAZ?ccc}", env: { "FOO": "xxx", "BAR": "" }, error: true },
  { input: "${FOO:?aaa}", env: { "FOO": "xxx", "BAR": "" }, expected: "xxx", matches: ["FOO"], unmatched: [] },
  { input: "${BAR:?bbb}", env: { "FOO": "xxx", "BAR": "" }, error: true },
  { input: "${BAZ:?ccc}", env: { "FOO": "xxx", "BAR": "" }, error: true },
  { input: "${BAZ:?}", env: { "FOO": "xxx", "BAR": "" }, error: true },
  { input: "${FOO=aaa}", env: { "FOO": "xxx", "BAR": "" }, error: true },
  { input: "${FOO=:aaa}", env: { "FOO": "xxx", "BAR": "" }, error: true },
  { input: "${FOO=}", env: {}, error: true },
  { input: "${FOO#()[]{\\}^$.\\*\\?|\\\\}", env: { "FOO": "()[]{}^$.*?|\\x" }, expected: "x", matches: ["FOO"], unmatched: [] },
  { input: "${FOO%%\\**}", env: { "FOO": "xx**" }, expected: "xx", matches: ["FOO"], unmatched: [] },
  { input: "${FOO#*x*y}", env: { "FOO": "xxyy" }, expected: "y", matches: ["FOO"], unmatched: [] },
  { input: "${FOO#*}", env: { "FOO": "xxyy" }, expected: "xxyy", matches: ["FOO"], unmatched: [] },
  { input: "${FOO#$BAR}", env: { "FOO": "xxyy", "BAR": "x" }, expected: "xyy", matches: ["FOO", "BAR"], unmatched: [] },
  { input: "${FOO#$BAR}", env: { "FOO": "xxyy", "BAR": "" }, expected: "xxyy", matches: ["FOO", "BAR"], unmatched: [] },
  { input: "${FOO#}", env: { "FOO": "xxyy" }, expected: "xxyy", matches: ["FOO"], unmatched: [] },
  { input: "${FOO##*x}", env: { "FOO": "xxyy" }, expected: "yy", matches: ["FOO"], unmatched: [] },
  { input: "${FOO##}", env: { "FOO": "xxyy" }, expected: "xxyy", matches: ["FOO"], unmatched: [] },
  { input: "${FOO#?\\?}", env: { "FOO": "???y" }, expected: "?y", matches: ["FOO"], unmatched: [] },
  { input: "${ABC:-.}${FOO%x}${ABC:-.}", env: { "FOO": "xxyy" }, expected: ".xxyy.", matches: ["FOO"], unmatched: ["ABC"] },
  { input: "${FOO%%\\**\\*}", env: { "FOO": "a***yy*" }, expected: "a", matches: ["FOO"], unmatched: [] },
  { input: "${FOO%}", env: { "FOO": "xxyy" }, expected: "xxyy", matches: ["FOO"], unmatched: [] },
  { input: "${FOO%%$BAR}", env: { "FOO": "xxyy", "BAR": "" }, expected: "xxyy", matches: ["FOO", "BAR"], unmatched: [] },
  { input: "${FOO:#}", env: {}, error: true },
  { input: "${FOO:##}", env: {}, error: true },
  { input: "${FOO:%}", env: {}, error: true },
  { input: "${FOO:%%}", env: {}, error: true },
  { input: "${FOO/$NEEDLE/.} - ${FOO//$NEEDLE/.}", env: { "FOO": "/foo*/*/*.txt", "NEEDLE": "\\*/" }, expected: "/foo.*/*.txt - /foo..*.txt", matches: ["FOO", "NEEDLE"], unmatched: [] },
  { input: "${FOO/$NEEDLE/} - ${FOO//$NEEDLE/}", env: { "FOO": "/tmp/tmp/bar.txt", "NEEDLE": "/tmp" }, expected: "/tmp/bar.txt - /bar.txt", matches: ["FOO", "NEEDLE"], unmatched: [] },
  { input: "${FOO/$NEEDLE/$REPLACEMENT} - ${FOO//$NEEDLE/$REPLACEMENT}", env: { "FOO": "/a/foo/b/c.txt", "NEEDLE": "/?/", "REPLACEMENT": "/" }, expected: "/foo/b/c.txt - /foo/c.txt", matches: ["FOO", "NEEDLE", "REPLACEMENT"], unmatched: [] },
  { input: "${FOO/$NEEDLE/$REPLACEMENT}", env: { "FOO": "http://google.de", "NEEDLE": "http://", "REPLACEMENT": "https://" }, expected: "https://google.de", matches: ["FOO", "NEEDLE", "REPLACEMENT"], unmatched: [] },
  { input: "${FOO//\\//\\/}", env: { "FOO": "/tmp/foo.txt" }, expected: "\\/tmp\\/foo.txt", matches: ["FOO"], unmatched: [] },
  { input: "${FOO/$BAR/ww}", env: { "FOO": "xxyy", "BAR": "" }, expected: "wwxxyy", matches: ["FOO", "BAR"], unmatched: [] },
  { input: "${FOO//ww}", env: { "FOO": "xxyy" }, error: true },
  { input: "${FOO//}", env: { "FOO": "xxyy" }, error: true },
  { input: "${FOO///}", env: { "FOO": "xxyy" }, expected: "xxyy", matches: ["FOO"], unmatched: [] },
  { input: "${FOO///}", env: {}, expected: "", matches: [], unmatched: ["FOO"] },
  ];
  const lex = new ShellLex('\\');
  for (const c of cases) {
    test(c.input, () => {
      if (c.error === true) {
        assert.throws(() => lex.processWordWithMatches(c.input, envsFromMap(c.env)));
        return;
      }
      const r = lex.processWordWithMatches(c.input, envsFromMap(c.env));
      assert.equal(r.result, c.expected);
      assert.deepEqual([...r.matched].sort(), [...(c.matches ?? [])].sort());
      assert.deepEqual([...r.unmatched].sort(), [...(c.unmatched ?? [])].sort());
    });
  }

  test('platform file names (TestProcessWithMatchesPlatform)', () => {
    const release = 'something-${VERSION}.${TARGETOS}-${TARGETARCH}${TARGETVARIANT:+-${TARGETVARIANT}}.tar.gz';
    const base = { VERSION: 'v1.2.3', TARGETOS: 'linux' };
    assert.equal(lex.processWord(release, envsFromMap({ ...base, TARGETARCH: 'arm', TARGETVARIANT: 'v7' })), 'something-v1.2.3.linux-arm-v7.tar.gz');
    assert.equal(lex.processWord(release, envsFromMap({ ...base, TARGETARCH: 'arm64', TARGETVARIANT: '' })), 'something-v1.2.3.linux-arm64.tar.gz');
    assert.equal(lex.processWord(release, envsFromMap({ ...base, TARGETARCH: 'arm64' })), 'something-v1.2.3.linux-arm64.tar.gz');
  });
});

describe('shell lexer: mandatory variables', () => {
  const lex = new ShellLex('\\');
  const set = envsFromList(['VAR=plain', 'ARG=x']);
  const empty = envsFromList(['VAR=', 'ARG=x']);
  const unset = envsFromList(['ARG=x']);

  test('${VAR:?msg} refuses empty and unset', () => {
    assert.equal(lex.processWord('${VAR:?message here$ARG}', set), 'plain');
    assert.throws(() => lex.processWord('${VAR:?message here$ARG}', empty), { message: 'failed to process "${VAR:?message here$ARG}": VAR: message herex' });
    assert.throws(() => lex.processWord('${VAR:?message here$ARG}', unset), /message herex/);
  });

  test('${VAR?msg} refuses only unset', () => {
    assert.equal(lex.processWord('${VAR?message here$ARG}', set), 'plain');
    assert.equal(lex.processWord('${VAR?message here$ARG}', empty), '');
    assert.throws(() => lex.processWord('${VAR?message here$ARG}', unset), /message herex/);
  });

  test('default messages', () => {
    assert.throws(() => lex.processWord('${X?}', unset), { message: 'failed to process "${X?}": X: is not allowed to be unset' });
    assert.throws(() => lex.processWord('${VAR:?}', empty), { message: 'failed to process "${VAR:?}": VAR: is not allowed to be empty' });
  });
});

describe('shell lexer: error texts', () => {
  const lex = new ShellLex('\\');
  const env = envsFromList([]);
  const cases: [string, string][] = [
    ['${}', 'syntax error: bad substitution'],
    ['${aaa', 'unsupported modifier (\ufffd) in substitution'],
    ['${aaa:-bbb', "syntax error: missing '}'"],
    ['he${XXX:YYY}', 'unsupported modifier (:Y) in substitution'],
    ['${FOO:#x}', 'unsupported modifier (:#) in substitution'],
    ['${FOO//x}', "syntax error: missing '/' in ${}"],
    ["'abc", 'unexpected end of statement while looking for matching single-quote'],
    ['"abc', 'unexpected end of statement while looking for matching double-quote'],
    ['${FOO#\\x}', 'invalid pattern (\\x) in substitution: invalid escape \'\\x\''],
  ];
  for (const [input, message] of cases) {
    test(input, () => {
      assert.throws(() => lex.processWord(input, env), { message: `failed to process "${input.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}": ${message}` });
    });
  }
});

describe('shell lexer: details', () => {
  test('a nested ${…} resets the words buffer, as in BuildKit', () => {
    assert.deepEqual(new ShellLex().processWords('a${x:-b}c', envsFromList([])), ['bc']);
  });

  test('backtick escape token', () => {
    const lex = new ShellLex('`');
    assert.equal(lex.processWord('a`$b', envsFromList(['b=1'])), 'a$b');
    assert.equal(lex.processWord('C:\\dir', envsFromList([])), 'C:\\dir');
  });

  test('skipUnsetEnv keeps unset references as written', () => {
    const lex = new ShellLex();
    lex.skipUnsetEnv = true;
    const env = envsFromList(['SET=1']);
    assert.equal(lex.processWord('$SET ${UNSET} $UNSET ${UNSET:-x} ${UNSET/a/b}', env), '1 ${UNSET} $UNSET ${UNSET:-x} ${UNSET/a/b}');
  });

  test('replacements: raw escapes kept; only // expands $$ to $, like Go ReplaceAllString', () => {
    const lex = new ShellLex();
    assert.equal(lex.processWord('${X/b/[\\$\\$]}', envsFromList(['X=abc'])), 'a[\\$\\$]c');
    assert.equal(lex.processWord('${X//b/-}', envsFromList(['X=abcb'])), 'a-c-');
    assert.equal(lex.processWord('${X//b*/-}', envsFromList(['X=abbcb'])), 'a-');
  });

  test('suffix removal with multi-byte characters', () => {
    const lex = new ShellLex();
    assert.equal(lex.processWord('${X%?}', envsFromList(['X=a👽'])), 'a');
    assert.equal(lex.processWord('${X%%👽*}', envsFromList(['X=b👽c👽d'])), 'b');
  });

  test('reverseString / reversePattern (BuildKit cases)', () => {
    assert.equal(reverseString('54321'), '12345');
    assert.equal(reverseString('🖖🚀👽'), '👽🚀🖖');
    const cases: Record<string, string> = { 'a\\*c': 'c\\*a', '\\\\\\ab': 'b\\a\\\\', 'ab\\': '\\ba', '👽\\🚀🖖': '🖖\\🚀👽', '\\\\b': 'b\\\\' };
    for (const [pattern, expected] of Object.entries(cases)) assert.equal(reversePattern(pattern), expected);
  });

  test('shell patterns (TestConvertShellPatternToRegex, by behaviour)', () => {
    assert.ok(shellPatternToRegex('*', true, true).test('anything'));
    assert.ok(shellPatternToRegex('?', true, true).test('x'));
    assert.equal(shellPatternToRegex('\\*', true, true).exec('*a')?.[0], '*');
    const special = shellPatternToRegex('(()[]{\\}^$.\\*\\?|\\\\', true, true);
    assert.equal(special.exec('(()[]{}^$.*?|\\x')?.[0], '(()[]{}^$.*?|\\');
    for (const bad of ['\\', '\\x', '\\\\\\']) assert.throws(() => shellPatternToRegex(bad, true, true));
  });
});
