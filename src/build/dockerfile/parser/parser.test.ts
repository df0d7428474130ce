/**
 * The parser against BuildKit v0.22.0's own test files (testfiles/*: AST dumps, negative cases,
 * line numbers) and against outputs recorded from BuildKit's parser itself (parser-golden.json:
 * its heredoc test file and a few hundred generated Dockerfiles mixing directives, continuations,
 * comments, heredocs, JSON and flags).
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, test } from 'node:test';
import { testdataPath } from '../../testdata.js';
import { DockerfileError } from '../errors.js';
import { parseWords } from './line-parsers.js';
import { dumpNode, type Node } from './node.js';
import { chompHeredocContent, parseDockerfile, parseHeredoc } from './parser.js';

const dir = (rel: string): string => testdataPath(`buildkit/parser/${rel}`);

function args(node: Node): string[] {
  const out: string[] = [];
  for (let n = node.next; n !== undefined; n = n.next) out.push(n.value);
  return out;
}

describe('parser: BuildKit testfiles', () => {
  for (const name of readdirSync(dir('testfiles'))) {
    test(name, () => {
      const text = readFileSync(dir(`testfiles/${name}/Dockerfile`), 'utf8');
      const expected = readFileSync(dir(`testfiles/${name}/result`), 'utf8');
      const result = parseDockerfile(text);
      const dump = result.ast.children.map((c) => `(${dumpNode(c)})\n`).join('');
      assert.equal(dump, expected);
    });
  }

  for (const name of readdirSync(dir('testfiles-negative'))) {
    test(`negative: ${name}`, () => {
      assert.throws(() => parseDockerfile(readFileSync(dir(`testfiles-negative/${name}/Dockerfile`), 'utf8')), DockerfileError);
    });
  }

  test('line numbers (testfile-line)', () => {
    const { ast } = parseDockerfile(readFileSync(dir('testfile-line/Dockerfile'), 'utf8'));
    assert.deepEqual([ast.startLine, ast.endLine], [5, 31]);
    assert.deepEqual(ast.children.map((c) => [c.startLine, c.endLine]), [[5, 5], [11, 12], [17, 31]]);
  });
});

describe('parser: outputs recorded from BuildKit', () => {
  interface Golden {
    input: string;
    error?: string;
    lines?: [number, number] | null;
    escape?: string;
    warnings?: string[];
    children?: { dump: string; start: number; end: number; original: string; comments: string[]; heredocs: { name: string; expand: boolean; chomp: boolean; content: string; fd: number }[] }[];
  }
  const cases = JSON.parse(readFileSync(testdataPath('buildkit/parser-golden.json'), 'utf8')) as Golden[];
  cases.forEach((c, i) => {
    test(`case ${i}: ${JSON.stringify(c.input.slice(0, 40))}`, () => {
      if (c.error !== undefined) {
        assert.throws(
          () => parseDockerfile(c.input),
          (err: unknown) => {
            assert.ok(err instanceof DockerfileError);
            assert.equal(err.message, c.error);
            if (c.lines) assert.deepEqual([err.range?.start, Math.max(err.range!.end, err.range!.start)], c.lines);
            return true;
          },
        );
        return;
      }
      const r = parseDockerfile(c.input);
      assert.equal(r.escapeToken, c.escape);
      assert.deepEqual(r.warnings.map((w) => w.short), c.warnings);
      const children = r.ast.children.map((n) => ({
        dump: dumpNode(n),
        start: n.startLine,
        end: n.endLine,
        original: n.original,
        comments: n.prevComment,
        heredocs: n.heredocs.map((h) => ({ name: h.name, expand: h.expand, chomp: h.chomp, content: h.content, fd: h.fileDescriptor })),
      }));
      assert.deepEqual(children, c.children);
    });
  });
});

describe('parser: words and JSON (BuildKit tables)', () => {
  test('parseWords', () => {
    const cases: [string, string[]][] = [
      ['foo', ['foo']],
      ['foo bar', ['foo', 'bar']],
      ['foo\\ bar', ['foo\\ bar']],
      ['foo=bar', ['foo=bar']],
      ["foo bar 'abc xyz'", ['foo', 'bar', "'abc xyz'"]],
      ['foo bar "abc xyz"', ['foo', 'bar', '"abc xyz"']],
      ['àöû', ['àöû']],
      ['föo bàr "âbc xÿz"', ['föo', 'bàr', '"âbc xÿz"']],
    ];
    for (const [input, expected] of cases) assert.deepEqual(parseWords(input, '\\'), expected);
  });

  test('JSON arrays of strings are exec form', () => {
    const valid: [string, string[]][] = [
      ['[]', []],
      ['[""]', ['']],
      ['["a"]', ['a']],
      ['["a","b"]', ['a', 'b']],
      ['[ "a", "b" ]', ['a', 'b']],
      ['[\t"a",\t"b"\t]', ['a', 'b']],
      ['\t[\t"a",\t"b"\t]\t', ['a', 'b']],
      ['["abc 123", "♥", "☃", "\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u0000"]', ['abc 123', '♥', '☃', '" \\ / \b \f \n \r \t \u0000']],
    ];
    for (const [json, expected] of valid) {
      const cmd = parseDockerfile(`CMD ${json}`).ast.children[0]!;
      assert.deepEqual(args(cmd), expected, json);
      assert.equal(cmd.attributes.json, true, json);
    }
  });

  test('a JSON array with a non-string is an error, not shell form', () => {
    for (const json of ['["a",42,"b"]', '["a",123.456,"b"]', '["a",{},"b"]', '["a",{"c": "d"},"b"]', '["a",["c"],"b"]', '["a",true,"b"]', '["a",false,"b"]', '["a",null,"b"]']) {
      assert.throws(() => parseDockerfile(`CMD ${json}`), { message: 'when using JSON array syntax, arrays must be comprised of strings only' });
    }
  });

  test('anything else is shell form (where dockerfile-ast disagrees)', () => {
    const [single, trailing, escaped] = parseDockerfile("CMD ['a']\nRUN [\"a\", \"b\" ] x\nCMD [\"a\\u0041\"]").ast.children;
    assert.deepEqual([args(single!), single!.attributes.json], [["['a']"], undefined]);
    assert.deepEqual([args(trailing!), trailing!.attributes.json], [['["a", "b" ] x'], undefined]);
    assert.deepEqual(args(escaped!), ['aA']);
  });

  test('ENV and LABEL forms', () => {
    const [env, legacy, label] = parseDockerfile('ENV a=1 b="2 3" c\\ d=4\nENV x y z\nLABEL "k"=v').ast.children;
    assert.deepEqual(args(env!), ['a', '1', '=', 'b', '"2 3"', '=', 'c\\ d', '4', '=']);
    assert.deepEqual(args(legacy!), ['x', 'y z', '']);
    assert.deepEqual(args(label!), ['"k"', 'v', '=']);
    assert.throws(() => parseDockerfile('ENV foo'), { message: 'ENV must have two arguments' });
    assert.throws(() => parseDockerfile('ENV a=1 b'), { message: 'Syntax error - can\'t find = in "b". Must be of the form: name=value' });
  });
});

describe('parser: lines, comments, continuations', () => {
  test('an escaped escape at the end of a line does not continue it', () => {
    const { ast } = parseDockerfile('FROM a\nRUN echo \\\\\nRUN next\n');
    assert.deepEqual(ast.children.map((c) => c.original), ['FROM a', 'RUN echo \\\\', 'RUN next']);
  });

  test('comments and blank lines inside a continuation are dropped, with a warning for blank ones', () => {
    const { ast, warnings } = parseDockerfile('FROM a\nRUN echo a \\\n# comment\n  b \\\n\n  c\nRUN d');
    assert.equal(ast.children[1]!.original, 'RUN echo a   b   c');
    assert.deepEqual([ast.children[1]!.startLine, ast.children[1]!.endLine], [2, 6]);
    assert.deepEqual(warnings, [{ short: 'Empty continuation line found in: RUN echo a   b   c', line: 6 }]);
  });

  test('BuildKit warns on empty continuation lines (TestParseWarnsOnEmptyContinutationLine)', () => {
    const text = '\nFROM alpine:3.6\n\nRUN valid \\\n    continuation\n\nRUN something \\\n\n    following \\\n\n    more\n\nRUN another \\\n\n    thing\n\nRUN non-indented \\\n# this is a comment\n   after-comment\n\nRUN indented \\\n    # this is an indented comment\n    comment\n\t';
    const { warnings } = parseDockerfile(text);
    assert.equal(warnings.length, 2);
    assert.match(warnings[0]!.short, /RUN something {5}following {5}more/);
    assert.match(warnings[1]!.short, /RUN another {5}thing/);
  });

  test('a line longer than 64 KiB is refused as BuildKit does', () => {
    assert.throws(() => parseDockerfile(`\n\t\tFROM image\n\t\tLABEL test=${'a'.repeat(65536)}\n`), { message: 'dockerfile line greater than max allowed size of 65535' });
  });

  test('instruction keywords keep their case; leading whitespace and CRLF are fine', () => {
    const { ast } = parseDockerfile('  from a\r\nrun b \\\r\n  c\r\n');
    assert.deepEqual(ast.children.map((c) => [c.value, args(c)]), [['from', ['a']], ['run', ['b   c']]]);
  });

  test('flags are split off, quotes removed', () => {
    const { ast } = parseDockerfile('FROM --platform=$BUILDPLATFORM a AS b\nCOPY --from=b --chown="1 1" --link a b\nCOPY -- --x y');
    assert.deepEqual(ast.children.map((c) => c.flags), [['--platform=$BUILDPLATFORM'], ['--from=b', '--chown=1 1', '--link'], []]);
    assert.deepEqual(args(ast.children[2]!), ['--x', 'y']);
  });

  test('an empty file and a comment-only file have no instructions', () => {
    assert.throws(() => parseDockerfile(''), { message: 'file with no instructions' });
    assert.throws(() => parseDockerfile('# nothing\n\n'), { message: 'file with no instructions' });
  });
});

describe('parser: directives', () => {
  test('escape, syntax and check at the top; keys case-insensitive', () => {
    const r = parseDockerfile('# syntax=docker/dockerfile:1\n# EScape=`\n#check=skip=all\nFROM a\nRUN a `\n  b\n');
    assert.equal(r.escapeToken, '`');
    assert.deepEqual(r.directives.map((d) => [d.name, d.value, d.line]), [['syntax', 'docker/dockerfile:1', 1], ['escape', '`', 2], ['check', 'skip=all', 3]]);
    assert.equal(r.ast.children[1]!.original, 'RUN a   b');
  });

  test('after a blank line, a comment or an instruction, `# escape=` is a comment', () => {
    for (const text of ['\n# escape=`\nFROM a\n', '# hello\n# escape=`\nFROM a\n', 'FROM a\n# escape=`\n']) {
      const r = parseDockerfile(text);
      assert.equal(r.escapeToken, '\\', JSON.stringify(text));
      assert.deepEqual(r.directives, []);
    }
  });

  test('bad and repeated directives', () => {
    assert.throws(() => parseDockerfile('# escape=x\nFROM a'), { message: "invalid escape token 'x' does not match ` or \\" });
    assert.throws(() => parseDockerfile('# escape=\\\n# escape=`\nFROM a'), { message: 'only one escape parser directive can be used' });
  });
});

describe('parser: heredocs (BuildKit cases)', () => {
  test('opener words', () => {
    for (const src of ['<<EOF', "<<'EOF'", '<<"EOF"', '<<-EOF', "<<-'EOF'", '<<-"EOF"', '<<EO"F"', '<< EOF', '<<- EOF']) {
      assert.equal(parseHeredoc(src)?.name, 'EOF', src);
    }
    for (const src of ["<<'EOF", '<<"EOF', "<<EOF'", '<<EOF"']) assert.throws(() => parseHeredoc(src), src);
    for (const src of ['', 'EOF', '<<', '<<-', '<EOF', '<<<EOF', '<<EOF sh']) assert.equal(parseHeredoc(src), undefined, src);
  });

  test('chomp strips leading tabs', () => {
    assert.equal(chompHeredocContent('\thello\n\tworld\n'), 'hello\nworld\n');
  });

  test('several heredocs on a line; quoted delimiters disable expansion; fd prefix', () => {
    const { ast } = parseDockerfile("FROM a\nRUN <<A cat && 3<<'B' cat <&3\na $x\nA\nb $y\nB\nRUN ok\n");
    assert.deepEqual(ast.children[1]!.heredocs, [
      { name: 'A', fileDescriptor: 0, expand: true, chomp: false, content: 'a $x\n' },
      { name: 'B', fileDescriptor: 3, expand: false, chomp: false, content: 'b $y\n' },
    ]);
    assert.deepEqual([ast.children[1]!.startLine, ast.children[1]!.endLine, ast.children[2]!.startLine], [2, 6, 7]);
  });

  test('no heredocs in exec form or in quotes; unterminated is an error naming the lines', () => {
    const { ast } = parseDockerfile('FROM a\nRUN ["<<EOF"]\nRUN "<<EOF"\n');
    assert.deepEqual(ast.children.map((c) => c.heredocs.length), [0, 0, 0]);
    assert.throws(() => parseDockerfile('FROM a\nRUN <<EOF\nbody\n'), (err: unknown) => err instanceof DockerfileError && err.message === 'unterminated heredoc' && err.range?.start === 2 && err.range.end === 3);
  });
});
