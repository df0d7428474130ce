// Cases ported from distribution/reference's reference_test.go and normalize_test.go.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isBerthError } from '../base/errors.js';
import {
  familiarName,
  familiarString,
  fullString,
  isValidTag,
  matchesReferenceFilter,
  normalize,
  parseReference,
  pathMatch,
} from './reference.js';

const HEX_F = 'f'.repeat(64);
const ID = '1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a';

function rejects(input: string, message?: string | RegExp): void {
  assert.throws(
    () => parseReference(input),
    (err: unknown) => {
      assert.ok(isBerthError(err, 'InvalidArgument'), `expected InvalidArgument for ${JSON.stringify(input)}`);
      if (typeof message === 'string') assert.equal(err.message, message);
      else if (message !== undefined) assert.match(err.message, message);
      return true;
    },
    `expected ${JSON.stringify(input)} to be rejected`,
  );
}

test('valid repository names (TestValidateReferenceName / TestValidateRemoteName)', () => {
  for (const name of [
    'docker/docker', 'library/debian', 'debian', 'localhost/library/debian', 'localhost/debian',
    'LOCALDOMAIN/library/debian', 'LOCALDOMAIN/debian', 'docker.io/docker/docker', 'docker.io/library/debian',
    'docker.io/debian', 'index.docker.io/docker/docker', 'index.docker.io/library/debian', 'index.docker.io/debian',
    '127.0.0.1:5000/docker/docker', '127.0.0.1:5000/library/debian', '127.0.0.1:5000/debian', '192.168.0.1',
    '192.168.0.1:80', '192.168.0.1:8/debian', '192.168.0.2:25000/debian',
    'thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev', '[fc00::1]:5000/docker',
    '[fc00::1]:5000/docker/docker', '[fc00:1:2:3:4:5:6:7]:5000/library/debian', `docker.io/${ID}`,
    'Docker/docker', 'DOCKER/docker', 'docker-rules/docker', 'docker---rules/docker', 'doc/docker', 'd/docker',
    'jess/t', 'dock__er/docker',
  ]) {
    assert.doesNotThrow(() => parseReference(name), name);
  }
});

test('invalid repository names', () => {
  for (const name of [
    'https://github.com/docker/docker', 'docker/Docker', '-docker', '-docker/docker', '-docker.io/docker/docker',
    'docker///docker', 'docker.io/docker/Docker', 'docker.io/docker///docker', '[fc00::1]', '[fc00::1]:5000',
    'fc00::1:5000/debian', '[fe80::1%eth0]:5000/debian', '[2001:db8:3:4::192.0.2.33]:5000/debian', ID,
    'docker-/docker', '-docker-/docker', '____/____', '_docker/_docker', 'dock..er/docker', 'dock_.er/docker',
    'dock-.er/docker', 'docker/', `${'this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_'.repeat(4)}/docker`,
    '', ':justtag', `@sha256:${HEX_F}`, 'aa/asdf$$^/aa', '[2001:db8::1]', '[2001:db8::1]:5000', '[2001:db8::1]:tag',
    '[fe80::1%@invalidzone]:5000/repo',
  ]) {
    rejects(name);
  }
});

test('Docker error messages', () => {
  rejects(ID, `invalid repository name (${ID}), cannot specify 64-byte hexadecimal strings`);
  rejects('Foo', 'invalid reference format: repository name (library/Foo) must be lowercase');
  rejects('Uppercase:tag', 'invalid reference format: repository name (library/Uppercase) must be lowercase');
  rejects('test:5000/Uppercase/lowercase:tag', 'invalid reference format: repository name (Uppercase/lowercase) must be lowercase');
  rejects('aa/asdf$$^/aa', 'invalid reference format');
  rejects(':justtag', 'invalid reference format');
  rejects('-foo', 'invalid reference format');
  rejects(`domain/${'a'.repeat(256)}:tag`, 'repository name must not be more than 255 characters');
  rejects('repo@sha256:ffffffffffffffffffffffffffffffffff', 'invalid checksum digest length');
  rejects(`validname@invaliddigest:${HEX_F}`, 'unsupported digest algorithm');
  rejects(`validname@sha256:${'F'.repeat(64)}`, 'invalid checksum digest format');
  rejects(`validname@sha512:${'f'.repeat(128)}`, 'unsupported digest algorithm');
  rejects('busybox:-tag', 'invalid reference format');
  rejects(`busybox:${'a'.repeat(129)}`, 'invalid reference format');
});

test('domain, path, tag and digest (TestReferenceParse, normalized)', () => {
  const cases: [string, string, string, string?, string?][] = [
    // input, domain, path, tag, digest
    ['test_com', 'docker.io', 'library/test_com'],
    ['test.com:tag', 'docker.io', 'library/test.com', 'tag'],
    ['test.com:5000', 'docker.io', 'library/test.com', '5000'],
    ['test.com/repo:tag', 'test.com', 'repo', 'tag'],
    ['test:5000/repo', 'test:5000', 'repo'],
    ['test:5000/repo:tag', 'test:5000', 'repo', 'tag'],
    [`test:5000/repo@sha256:${HEX_F}`, 'test:5000', 'repo', undefined, `sha256:${HEX_F}`],
    [`test:5000/repo:tag@sha256:${HEX_F}`, 'test:5000', 'repo', 'tag', `sha256:${HEX_F}`],
    ['lowercase:Uppercase', 'docker.io', 'library/lowercase', 'Uppercase'],
    [`${'a/'.repeat(127)}a:tag-puts-this-over-max`, 'docker.io', `${'a/'.repeat(127)}a`, 'tag-puts-this-over-max'],
    ['sub-dom1.foo.com/bar/baz/quux:some-long-tag', 'sub-dom1.foo.com', 'bar/baz/quux', 'some-long-tag'],
    ['b.gcr.io/test.example.com/my-app:test.example.com', 'b.gcr.io', 'test.example.com/my-app', 'test.example.com'],
    ['xn--n3h.com/myimage:xn--n3h.com', 'xn--n3h.com', 'myimage', 'xn--n3h.com'],
    [`xn--7o8h.com/myimage:xn--7o8h.com@sha256:${HEX_F}`, 'xn--7o8h.com', 'myimage', 'xn--7o8h.com', `sha256:${HEX_F}`],
    ['foo_bar.com:8080', 'docker.io', 'library/foo_bar.com', '8080'],
    ['foo/foo_bar.com:8080', 'docker.io', 'foo/foo_bar.com', '8080'],
    ['192.168.1.1', 'docker.io', 'library/192.168.1.1'],
    ['192.168.1.1:5000', 'docker.io', 'library/192.168.1.1', '5000'],
    ['192.168.1.1/repo', '192.168.1.1', 'repo'],
    ['192.168.1.1:5000/repo:5050', '192.168.1.1:5000', 'repo', '5050'],
    ['[2001:db8::1]/repo', '[2001:db8::1]', 'repo'],
    ['[2001:db8:1:2:3:4:5:6]/repo:tag', '[2001:db8:1:2:3:4:5:6]', 'repo', 'tag'],
    [`[2001:db8::1]:5000/repo:tag@sha256:${HEX_F}`, '[2001:db8::1]:5000', 'repo', 'tag', `sha256:${HEX_F}`],
    ['[::1]:5000/repo', '[::1]:5000', 'repo'],
    [`example.com/${'a'.repeat(255)}:tag`, 'example.com', 'a'.repeat(255), 'tag'],
    ['test_com/foo', 'docker.io', 'test_com/foo'],
    ['docker/migrator', 'docker.io', 'docker/migrator'],
    ['test-com:8080/foo', 'test-com:8080', 'foo'],
    ['docker.io/foo', 'docker.io', 'library/foo'],
    ['docker.io/library/foo/bar', 'docker.io', 'library/foo/bar'],
    ['index.docker.io/foo', 'docker.io', 'library/foo'],
    ['localhost/foo', 'localhost', 'foo'],
    ['localhost:5000/x:1', 'localhost:5000', 'x', '1'],
  ];
  for (const [input, domain, path, tag, digest] of cases) {
    const ref = parseReference(input);
    assert.deepEqual(ref, {
      domain, path, name: `${domain}/${path}`,
      ...(tag === undefined ? {} : { tag }),
      ...(digest === undefined ? {} : { digest }),
    }, input);
  }
});

test('familiar and full names (TestParseRepositoryInfo)', () => {
  const cases: [string, string, string[]][] = [
    // familiar name, full name, other spellings
    ['localhost/fooo', 'localhost/fooo', []],
    ['localhost/fooo/bar', 'localhost/fooo/bar', []],
    ['LOCALDOMAIN/fooo', 'LOCALDOMAIN/fooo', []],
    ['fooo/bar', 'docker.io/fooo/bar', ['index.docker.io/fooo/bar']],
    ['ubuntu', 'docker.io/library/ubuntu', ['library/ubuntu']],
    ['nonlibrary/ubuntu', 'docker.io/nonlibrary/ubuntu', []],
    ['other/library', 'docker.io/other/library', []],
    ['127.0.0.1:8000/private/moonbase', '127.0.0.1:8000/private/moonbase', []],
    ['example.com:8000/privatebasee', 'example.com:8000/privatebasee', []],
    ['ubuntu-12.04-base', 'docker.io/library/ubuntu-12.04-base', ['index.docker.io/library/ubuntu-12.04-base']],
    ['foo', 'docker.io/library/foo', ['docker.io/foo']],
    ['library/foo/bar', 'docker.io/library/foo/bar', []],
    ['store/foo/bar', 'docker.io/store/foo/bar', []],
    ['Foo/bar', 'Foo/bar', []],
    ['FOO/bar', 'FOO/bar', []],
  ];
  for (const [familiar, full, others] of cases) {
    for (const input of [familiar, full, ...others]) {
      const ref = parseReference(input);
      assert.equal(familiarName(ref), familiar, input);
      assert.equal(fullString(ref), full, input);
    }
  }
});

test('tag and digest together (TestParseReferenceWithTagAndDigest)', () => {
  const short = 'busybox:latest@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa';
  const ref = parseReference(short);
  assert.equal(fullString(ref), `docker.io/library/${short}`);
  assert.equal(familiarString(ref), short);
  assert.equal(ref.tag, 'latest');
  assert.equal(ref.digest, 'sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa');
});

test('normalize adds latest only to bare names (TagNameOnly)', () => {
  const d = 'sha256:e6693c20186f837fc393390135d8a598a96a833917917789d63766cab6c59582';
  const cases: [string, string, string][] = [
    ['busybox', 'docker.io/library/busybox:latest', 'busybox:latest'],
    ['busybox:1.36', 'docker.io/library/busybox:1.36', 'busybox:1.36'],
    [`busybox@${d}`, `docker.io/library/busybox@${d}`, `busybox@${d}`],
    ['library/busybox', 'docker.io/library/busybox:latest', 'busybox:latest'],
    ['docker.io/busybox', 'docker.io/library/busybox:latest', 'busybox:latest'],
    ['gcr.io/library/busybox', 'gcr.io/library/busybox:latest', 'gcr.io/library/busybox:latest'],
    ['localhost:5000/x:1', 'localhost:5000/x:1', 'localhost:5000/x:1'],
    ['user/app', 'docker.io/user/app:latest', 'user/app:latest'],
  ];
  for (const [input, full, familiar] of cases) {
    const ref = normalize(parseReference(input));
    assert.equal(fullString(ref), full, input);
    assert.equal(familiarString(ref), familiar, input);
  }
  const tagged = parseReference('busybox:1');
  assert.equal(normalize(tagged), tagged);
});

test('isValidTag', () => {
  for (const t of ['latest', '1.0', 'v1_2-3', '_x', 'A'.repeat(128)]) assert.ok(isValidTag(t), t);
  for (const t of ['', '-x', '.x', 'a:b', 'A'.repeat(129), 'a/b']) assert.ok(!isValidTag(t), t);
});

test('reference filter (TestMatch and moby image_list)', () => {
  const cases: [string, string, boolean][] = [
    ['foo', 'foo/**/ba[rz]', false],
    ['foo/any/bat', 'foo/**/ba[rz]', false],
    ['foo/a/bar', 'foo/**/ba[rz]', true],
    ['foo/b/baz', 'foo/**/ba[rz]', true],
    ['foo/c/baz:tag', 'foo/**/ba[rz]', true],
    ['foo/c/baz:tag', 'foo/*/baz:tag', true],
    ['foo/c/baz:tag', 'foo/c/baz:tag', true],
    ['example.com/foo/c/baz:tag', '*/foo/c/baz', true],
    ['example.com/foo/c/baz:tag', 'example.com/foo/c/baz', true],
    ['busybox:latest', 'busybox', true],
    ['busybox:latest', 'busy*', true],
    ['busybox:latest', 'busybox:lat*', true],
    ['busybox:latest', 'busybox:1*', false],
    ['busybox:latest', 'docker.io/library/busybox', false],
    ['busybox:latest', 'library/busybox', false],
    ['user/app:1', '*', false],
    ['user/app:1', '*/*', true],
    ['busybox:latest', '*', true],
    ['busybox:latest', 'b?sybox', true],
    ['busybox:latest', '[^a]usybox', true],
    ['busybox:latest', '[a-c]usybox:latest', true],
  ];
  for (const [ref, pattern, expected] of cases) {
    assert.equal(matchesReferenceFilter(parseReference(ref), pattern), expected, `${ref} ~ ${pattern}`);
  }
  assert.throws(() => matchesReferenceFilter(parseReference('foo'), '[-x]'), /syntax error in pattern/);
});

test('pathMatch follows Go path.Match (match_test.go)', () => {
  const cases: [string, string, boolean | 'err'][] = [
    ['abc', 'abc', true], ['*', 'abc', true], ['*c', 'abc', true], ['a*', 'a', true], ['a*', 'abc', true],
    ['a*', 'ab/c', false], ['a*/b', 'abc/b', true], ['a*/b', 'a/c/b', false],
    ['a*b*c*d*e*/f', 'axbxcxdxe/f', true], ['a*b*c*d*e*/f', 'axbxcxdxexxx/f', true],
    ['a*b*c*d*e*/f', 'axbxcxdxe/xxx/f', false], ['a*b*c*d*e*/f', 'axbxcxdxexxx/fff', false],
    ['a*b?c*x', 'abxbbxdbxebxczzx', true], ['a*b?c*x', 'abxbbxdbxebxczzy', false],
    ['ab[c]', 'abc', true], ['ab[b-d]', 'abc', true], ['ab[e-g]', 'abc', false], ['ab[^c]', 'abc', false],
    ['ab[^b-d]', 'abc', false], ['ab[^e-g]', 'abc', true], ['a\\*b', 'a*b', true], ['a\\*b', 'ab', false],
    ['a?b', 'a☺b', true], ['a[^a]b', 'a☺b', true], ['a???b', 'a☺b', false], ['a[^a][^a][^a]b', 'a☺b', false],
    ['[a-ζ]*', 'α', true], ['*[a-ζ]', 'A', false], ['a?b', 'a/b', false], ['a*b', 'a/b', false],
    ['[\\]a]', ']', true], ['[\\-]', '-', true], ['[x\\-]', 'x', true], ['[x\\-]', '-', true],
    ['[x\\-]', 'z', false], ['[\\-x]', 'x', true], ['[\\-x]', '-', true], ['[\\-x]', 'a', false],
    ['[]a]', ']', 'err'], ['[-]', '-', 'err'], ['[x-]', 'x', 'err'], ['[x-]', '-', 'err'], ['[x-]', 'z', 'err'],
    ['[-x]', 'x', 'err'], ['[-x]', '-', 'err'], ['[-x]', 'a', 'err'], ['\\', 'a', 'err'], ['[a-b-c]', 'a', 'err'],
    ['[', 'a', 'err'], ['[^', 'a', 'err'], ['[^bc', 'a', 'err'], ['a[', 'a', 'err'], ['a[', 'ab', 'err'],
    ['a[', 'x', 'err'], ['a/b[', 'x', 'err'], ['*x', 'xxx', true],
  ];
  for (const [pattern, s, expected] of cases) {
    if (expected === 'err') assert.throws(() => pathMatch(pattern, s), /syntax error in pattern/, `${pattern} ~ ${s}`);
    else assert.equal(pathMatch(pattern, s), expected, `${pattern} ~ ${s}`);
  }
});
