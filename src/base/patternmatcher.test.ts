/**
 * moby/patternmatcher's test tables (patternmatcher_test.go: TestMatches, TestMatch with Go's own
 * filepath.Match table, the clean-pattern tests) and ignorefile's TestReadAll, run against the port.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isBerthError } from './errors.js';
import { filepathMatch } from './filepath-match.js';
import { PatternMatcher, readIgnoreFile } from './patternmatcher.js';

const matchesCases: [string, string, boolean][] = [
  ["**", "file", true],
  ["**", "file/", true],
  ["**/", "file", true],
  ["**/", "file/", true],
  ["**", "/", true],
  ["**/", "/", true],
  ["**", "dir/file", true],
  ["**/", "dir/file", true],
  ["**", "dir/file/", true],
  ["**/", "dir/file/", true],
  ["**/**", "dir/file", true],
  ["**/**", "dir/file/", true],
  ["dir/**", "dir/file", true],
  ["dir/**", "dir/file/", true],
  ["dir/**", "dir/dir2/file", true],
  ["dir/**", "dir/dir2/file/", true],
  ["**/dir", "dir", true],
  ["**/dir", "dir/file", true],
  ["**/dir2/*", "dir/dir2/file", true],
  ["**/dir2/*", "dir/dir2/file/", true],
  ["**/dir2/**", "dir/dir2/dir3/file", true],
  ["**/dir2/**", "dir/dir2/dir3/file/", true],
  ["**file", "file", true],
  ["**file", "dir/file", true],
  ["**/file", "dir/file", true],
  ["**file", "dir/dir/file", true],
  ["**/file", "dir/dir/file", true],
  ["**/file*", "dir/dir/file", true],
  ["**/file*", "dir/dir/file.txt", true],
  ["**/file*txt", "dir/dir/file.txt", true],
  ["**/file*.txt", "dir/dir/file.txt", true],
  ["**/file*.txt*", "dir/dir/file.txt", true],
  ["**/**/*.txt", "dir/dir/file.txt", true],
  ["**/**/*.txt2", "dir/dir/file.txt", false],
  ["**/*.txt", "file.txt", true],
  ["**/**/*.txt", "file.txt", true],
  ["a**/*.txt", "a/file.txt", true],
  ["a**/*.txt", "a/dir/file.txt", true],
  ["a**/*.txt", "a/dir/dir/file.txt", true],
  ["a/*.txt", "a/dir/file.txt", false],
  ["a/*.txt", "a/file.txt", true],
  ["a/*.txt**", "a/file.txt", true],
  ["a[b-d]e", "ae", false],
  ["a[b-d]e", "ace", true],
  ["a[b-d]e", "aae", false],
  ["a[^b-d]e", "aze", true],
  [".*", ".foo", true],
  [".*", "foo", false],
  ["abc.def", "abcdef", false],
  ["abc.def", "abc.def", true],
  ["abc.def", "abcZdef", false],
  ["abc?def", "abcZdef", true],
  ["abc?def", "abcdef", false],
  ["a\\\\", "a\\", true],
  ["**/foo/bar", "foo/bar", true],
  ["**/foo/bar", "dir/foo/bar", true],
  ["**/foo/bar", "dir/dir2/foo/bar", true],
  ["abc/**", "abc", false],
  ["abc/**", "abc/def", true],
  ["abc/**", "abc/def/ghi", true],
  ["**/.foo", ".foo", true],
  ["**/.foo", "bar.foo", false],
  ["a(b)c/def", "a(b)c/def", true],
  ["a(b)c/def", "a(b)c/xyz", false],
  ["a.|)$(}+{bc", "a.|)$(}+{bc", true],
  ["dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", true],
  ["dist/*.whl", "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", true],
  ['a\\*b', 'a*b', true],
];
const multiCases: [string[], string, boolean][] = [
  [["**", "!util/docker/web"], "util/docker/web/foo", false],
  [["**", "!util/docker/web", "util/docker/web/foo"], "util/docker/web/foo", true],
  [["**", "!dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl"], "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", false],
  [["**", "!dist/*.whl"], "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", false],
];
const goMatchCases: [string, string, boolean, boolean][] = [
  ["abc", "abc", true, false],
  ["*", "abc", true, false],
  ["*c", "abc", true, false],
  ["a*", "a", true, false],
  ["a*", "abc", true, false],
  ["a*", "ab/c", true, false],
  ["a*/b", "abc/b", true, false],
  ["a*/b", "a/c/b", false, false],
  ["a*b*c*d*e*/f", "axbxcxdxe/f", true, false],
  ["a*b*c*d*e*/f", "axbxcxdxexxx/f", true, false],
  ["a*b*c*d*e*/f", "axbxcxdxe/xxx/f", false, false],
  ["a*b*c*d*e*/f", "axbxcxdxexxx/fff", false, false],
  ["a*b?c*x", "abxbbxdbxebxczzx", true, false],
  ["a*b?c*x", "abxbbxdbxebxczzy", false, false],
  ["ab[c]", "abc", true, false],
  ["ab[b-d]", "abc", true, false],
  ["ab[e-g]", "abc", false, false],
  ["ab[^c]", "abc", false, false],
  ["ab[^b-d]", "abc", false, false],
  ["ab[^e-g]", "abc", true, false],
  ["a\\*b", "a*b", true, false],
  ["a\\*b", "ab", false, false],
  ["a?b", "a☺b", true, false],
  ["a[^a]b", "a☺b", true, false],
  ["a???b", "a☺b", false, false],
  ["a[^a][^a][^a]b", "a☺b", false, false],
  ["[a-ζ]*", "α", true, false],
  ["*[a-ζ]", "A", false, false],
  ["a?b", "a/b", false, false],
  ["a*b", "a/b", false, false],
  ["[\\]a]", "]", true, false],
  ["[\\-]", "-", true, false],
  ["[x\\-]", "x", true, false],
  ["[x\\-]", "-", true, false],
  ["[x\\-]", "z", false, false],
  ["[\\-x]", "x", true, false],
  ["[\\-x]", "-", true, false],
  ["[\\-x]", "a", false, false],
  ["[]a]", "]", false, true],
  ["[-]", "-", false, true],
  ["[x-]", "x", false, true],
  ["[x-]", "-", false, true],
  ["[x-]", "z", false, true],
  ["[-x]", "x", false, true],
  ["[-x]", "-", false, true],
  ["[-x]", "a", false, true],
  ["\\", "a", false, true],
  ["[a-b-c]", "a", false, true],
  ["[", "a", false, true],
  ["[^", "a", false, true],
  ["[^bc", "a", false, true],
  ["a[", "a", false, true],
  ["a[", "ab", false, true],
  ["*x", "xxx", true, false],
];

/** patternmatcher.Matches(file, patterns) as the Go tests call it; 'error' for a bad pattern. */
function matches(file: string, patterns: string[]): boolean | 'error' {
  try {
    return new PatternMatcher(patterns).matches(file);
  } catch (err) {
    if (isBerthError(err, 'InvalidArgument')) return 'error';
    throw err;
  }
}

describe('patternmatcher: TestMatches', () => {
  for (const [pattern, text, pass] of matchesCases) {
    test(`${pattern} ~ ${text}`, () => assert.equal(matches(text, [pattern]), pass));
  }
  for (const [patterns, text, pass] of multiCases) {
    test(`${patterns.join(' ')} ~ ${text}`, () => assert.equal(matches(text, patterns), pass));
  }
});

describe('patternmatcher: TestMatch (Go filepath.Match table)', () => {
  for (const [pattern, text, match, bad] of goMatchCases) {
    test(`${pattern} ~ ${text}`, () => {
      assert.equal(matches(text, [pattern]), bad ? 'error' : match);
      if (bad) assert.throws(() => filepathMatch(pattern, text));
      // patternmatcher also matches parent directories; filepath.Match alone does not.
      else if (!text.includes('/')) assert.equal(filepathMatch(pattern, text), match);
    });
  }
});

describe('patternmatcher: the small Go tests', () => {
  test('wildcards, exclusions, folders', () => {
    assert.equal(matches('fileutils.go', ['*']), true);
    assert.equal(matches('fileutils.go', ['*.go']), true);
    assert.equal(matches('fileutils.go', ['!fileutils.go', '*.go']), true);
    assert.equal(matches('docs/README.md', ['docs', '!docs/README.md']), false);
    assert.equal(matches('docs/README.md', ['docs/', '!docs/README.md']), false);
    assert.equal(matches('docs/README.md', ['docs/*', '!docs/README.md']), false);
    assert.equal(matches('fileutils.go', ['*.go', '!fileutils.go']), false);
    assert.equal(matches('.', ['*.go']), false);
    assert.equal(matches('fileutils.go', ['!']), 'error');
    assert.equal(matches('/any/path/there', []), false);
    assert.equal(matches('/any/path/there', ['[']), 'error');
  });

  test('clean patterns: empty lines dropped, exceptions flagged, whitespace trimmed', () => {
    assert.equal(new PatternMatcher(['docs', 'config', '']).patterns.length, 2);
    assert.equal(new PatternMatcher(['docs', '!docs/README.md']).hasExclusions, true);
    assert.equal(new PatternMatcher(['docs', '  !docs/README.md']).hasExclusions, true);
    assert.equal(new PatternMatcher(['docs', '!docs/README.md  ']).hasExclusions, true);
  });

  test('case-sensitive, literal regexp characters, directories with re-included children', () => {
    assert.equal(matches('foo', ['FOO']), false);
    assert.equal(matches('a]b', ['a]b']), true);
    assert.equal(matches('node_modules/x/y.js', ['node_modules', '!node_modules/x']), false);
    assert.equal(matches('node_modules/z/y.js', ['node_modules', '!node_modules/x']), true);
    assert.equal(matches('a.md', ['*.md']), true);
    assert.equal(matches('sub/a.md', ['*.md']), false);
    assert.equal(matches('sub/a.md', ['**/*.md']), true);
    assert.equal(filepathMatch('a*', 'ab/c'), false);
    assert.equal(filepathMatch('*/b', 'a/b'), true);
    assert.equal(filepathMatch('[!a]', '!'), true);
  });
});

describe('ignorefile: ReadAll', () => {
  test('TestReadAll', () => {
    const content = 'test1\n/test2\n/a/file/here\n\nlastfile\n# this is a comment\n! /inverted/abs/path\n!\n! ';
    assert.deepEqual(readIgnoreFile(content), ['test1', 'test2', 'a/file/here', 'lastfile', '!inverted/abs/path', '!', '!']);
    assert.deepEqual(readIgnoreFile(''), []);
  });

  test('BOM, CRLF, cleaning', () => {
    assert.deepEqual(readIgnoreFile('\ufeff./a/../b\r\n  c/  \r\n # not a comment\n'), ['b', 'c', '# not a comment']);
  });
});
