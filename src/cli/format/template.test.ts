// Expected outputs follow Go's text/template (exec_test.go, parse_test.go) and docker/cli's
// templates_test.go; error strings are Go's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileTemplate, HEADER_FUNCS } from './template.js';

const DATA = {
  Name: 'web', ID: 'abc123', Size: 42, Zero: 0, Empty: '', T: true, F: false, Nil: null, Pi: 3.5,
  L: ['a', 'b', 'c'], Nums: [1, 2, 3], EmptyL: [] as string[],
  Labels: { 'com.example.z': '1', 'com.example.a': '2' },
  Nested: { Inner: { X: 'deep' } },
  M: new Map<string, unknown>([['k', 'v'], ['a', 1]]),
};

const render = (text: string, data: unknown = DATA, options = {}) => compileTemplate(text, options)(data);

test('fields, dot, nesting and missing keys', () => {
  const cases: [string, string][] = [
    ['plain text', 'plain text'],
    ['{{.Name}}', 'web'],
    ['{{.name}}', 'web'],
    ['{{.Nested.Inner.X}}', 'deep'],
    ['{{.Size}} {{.Pi}} {{.T}} {{.Zero}}', '42 3.5 true 0'],
    ['{{.L}}', '[a b c]'],
    ['{{.Labels}}', 'map[com.example.a:2 com.example.z:1]'],
    ['{{.M}}', 'map[a:1 k:v]'],
    ['{{.M.k}}', 'v'],
    ['{{.Missing}}', '<no value>'],
    ['{{.Nested.Missing.X}}', '<no value>'],
    ['{{.Nil}}', '<nil>'],
    ['{{.Labels.nope}}', '<no value>'],
    ['{{with .Nested}}{{.Inner.X}}{{end}}', 'deep'],
    ['{{with .Missing}}x{{else}}none{{end}}', 'none'],
    ['{{(.Nested).Inner.X}}', 'deep'],
  ];
  for (const [t, want] of cases) assert.equal(render(t), want, t);
  assert.equal(render('{{.}}', 'hello'), 'hello');
  assert.equal(render('{{.}}', 7), '7');
  assert.equal(render('{{.}}', { b: 1, a: [true] }), 'map[a:[true] b:1]');
});

test('json matches docker\'s encoder (no HTML escaping, insertion order)', () => {
  const cases: [unknown, string][] = [
    [{ b: 1, a: '<x>&' }, '{"b":1,"a":"<x>&"}'],
    [['a', 1, null, true], '["a",1,null,true]'],
    ['line\nbreak\t"q" \\ \u0001 \u2028 \b\f', '"line\\nbreak\\t\\"q\\" \\\\ \\u0001 \\u2028 \\b\\f"'],
    [{ x: undefined, y: [] }, '{"y":[]}'],
    [1.5, '1.5'],
    [1e21, '1e+21'],
    [1e-7, '1e-7'],
    [-0, '-0'],
    [new Map([['b', 1], ['a', 2]]), '{"a":2,"b":1}'],
    [new Uint8Array([104, 105]), '"aGk="'],
    [new Date(Date.UTC(2024, 0, 2, 3, 4, 5)), '"2024-01-02T03:04:05.000Z"'],
    ['\ud800x', '"\\ufffdx"'],
  ];
  for (const [value, want] of cases) assert.equal(render('{{json .}}', value), want, want);
  assert.equal(render('{{json .L}}'), '["a","b","c"]');
  assert.equal(render('{{json .Missing}}'), 'null');
  assert.equal(render('{{.Labels | json}}'), '{"com.example.z":"1","com.example.a":"2"}');
});

test('builtin functions', () => {
  const cases: [string, string][] = [
    ['{{printf "%s=%d" "a" 1}}', 'a=1'],
    ['{{printf "%v|%q|%5.2f|%-4s|%05d|%x|%X|%t|%%" .L "hi" 3.14159 "a" 42 255 255 true}}', '[a b c]|"hi"| 3.14|a   |00042|ff|FF|true|%'],
    ['{{printf "%d" "x"}}', '%!d(string=x)'],
    ['{{printf "%s"}}', '%!s(MISSING)'],
    ['{{printf "%s" "a" "b"}}', 'a%!(EXTRA string=b)'],
    ['{{printf "%6.1f%%" 12.345}}', '  12.3%'],
    ['{{printf "%c%c" 104 105}}', 'hi'],
    ['{{printf "%.2s" "abcdef"}}', 'ab'],
    ['{{printf "%e" 1234.5678}}', '1.234568e+03'],
    ['{{printf "%g" 0.000012345}}', '1.2345e-05'],
    ['{{print "a" 1 2 "b"}}', 'a1 2b'],
    ['{{println "a" 1}}', 'a 1\n'],
    ['{{len .L}} {{len "héllo"}} {{len .Labels}}', '3 6 2'],
    ['{{index .L 1}} {{index .Labels "com.example.a"}} {{index .Nums 2}}', 'b 2 3'],
    ['[{{index .Labels "missing"}}]', '[]'],
    ['{{eq 1 1}} {{eq "a" "b" "a"}} {{ne 1 2}} {{eq .Missing "x"}}', 'true true true false'],
    ['{{lt 1 2}} {{le 2 2}} {{gt "b" "a"}} {{ge 1 2}}', 'true true true false'],
    ['{{and 1 0}} {{and 1 2}} {{or 0 ""}}|{{or 0 3}} {{not 0}} {{not .T}}', '0 2 |3 true false'],
    ['{{or .Missing "default"}}', 'default'],
    ['{{if and .T (eq .Name "web")}}yes{{end}}', 'yes'],
  ];
  for (const [t, want] of cases) assert.equal(render(t), want, t);
});

test('docker functions (templates_test.go)', () => {
  const cases: [string, string][] = [
    ['{{join .L ","}}', 'a,b,c'],
    ['{{join .Nums ", "}}', '1, 2, 3'],
    ['{{join .Labels "/"}}', '1/2'],
    ['{{split "a,b,c" ","}}', '[a b c]'],
    ['{{len (split "abc" "")}}', '3'],
    ['{{title "hello wORLD foo_bar"}}', 'Hello WORLD Foo_bar'],
    ['{{lower "AbC"}} {{upper "aBc"}}', 'abc ABC'],
    ['[{{pad "x" 1 2}}][{{pad "" 1 2}}]', '[ x  ][]'],
    ['{{truncate "abcdef" 3}} {{truncate "ab" 3}} {{truncate "abc" 3}}', 'abc ab abc'],
    ['{{.Name | upper | printf "%s-%s" "x"}}', 'x-WEB'],
    ['{{range $i, $v := split "a:b" ":"}}{{$i}}={{$v}} {{end}}', '0=a 1=b '],
  ];
  for (const [t, want] of cases) assert.equal(render(t), want, t);
});

test('control structures and variables', () => {
  const cases: [string, string][] = [
    ['{{if .T}}a{{else}}b{{end}}', 'a'],
    ['{{if .F}}a{{else if .T}}b{{else}}c{{end}}', 'b'],
    ['{{if .Empty}}a{{else if .Zero}}b{{else}}c{{end}}', 'c'],
    ['{{if .EmptyL}}x{{else}}empty{{end}} {{if .Labels}}labels{{end}}', 'empty labels'],
    ['{{range .L}}[{{.}}]{{end}}', '[a][b][c]'],
    ['{{range $i, $e := .L}}{{$i}}:{{$e}} {{end}}', '0:a 1:b 2:c '],
    ['{{range $e := .L}}{{$e}}{{end}}', 'abc'],
    ['{{range $k, $v := .Labels}}{{$k}}={{$v}};{{end}}', 'com.example.a=2;com.example.z=1;'],
    ['{{range .EmptyL}}x{{else}}none{{end}}', 'none'],
    ['{{range .Missing}}x{{else}}none{{end}}', 'none'],
    ['{{range .L}}{{if eq . "b"}}{{break}}{{end}}{{.}}{{end}}', 'a'],
    ['{{range .L}}{{if eq . "b"}}{{continue}}{{end}}{{.}}{{end}}', 'ac'],
    ['{{range 3}}{{.}}{{end}}', '012'],
    ['{{range .L}}{{$.Name}}{{end}}', 'webwebweb'],
    ['{{$x := .Name}}{{$x}}', 'web'],
    ['{{$x := 1}}{{if .T}}{{$x = 2}}{{end}}{{$x}}', '2'],
    ['{{with $n := .Name}}{{$n}}{{end}}', 'web'],
    ['{{$}}', ''],
  ];
  for (const [t, want] of cases) assert.equal(render(t, t === '{{$}}' ? '' : DATA), want, t);
});

test('trim markers, comments and literals', () => {
  const cases: [string, string][] = [
    ['a  {{- .Name -}}  b', 'awebb'],
    ['a  {{- .Name}}  b', 'aweb  b'],
    ['{{-3}}', '-3'],
    ['x\n  {{- /* comment */ -}}\n  y', 'xy'],
    ['a{{/* c */}}b', 'ab'],
    ['{{"\\t\\u00e9\\x41"}}', '\té\x41'],
    ['{{`raw\\n`}}', 'raw\\n'],
    ["{{'a'}}", '97'],
    ['{{0x10}} {{1_000}} {{-2.5}} {{true}}', '16 1000 -2.5 true'],
    ['{{printf "%d" (len .L)}}', '3'],
    ['{{ .Name }}', 'web'],
  ];
  for (const [t, want] of cases) assert.equal(render(t), want, t);
});

test('struct semantics: class instances, methods and structRoot', () => {
  class Ctx {
    readonly plain = 'p';
    get ID(): string { return 'id1'; }
    Label(name: string): string { return `label:${name}`; }
  }
  assert.equal(render('{{.ID}} {{.id}} {{.Label "k"}} {{.plain}}', new Ctx()), 'id1 id1 label:k p');
  assert.throws(() => render('{{.Nope}}', new Ctx()), {
    name: 'BerthError', message: 'template: :1:2: executing "" at <.Nope>: can\'t evaluate field Nope in type Ctx',
  });
  assert.throws(() => render('ab\n  {{.Nope}}', { a: 1 }, { structRoot: true }), {
    message: 'template: :2:4: executing "" at <.Nope>: can\'t evaluate field Nope in type struct',
  });
  // Nested plain objects stay maps, as docker's Labels are.
  assert.equal(render('{{.Labels.x}}', { Labels: {} }, { structRoot: true }), '<no value>');
  assert.equal(render('a{{.Nope}}b', { a: 1 }, { structRoot: true, partial: true }), 'a');
  assert.equal(render('{{json .}}', { ID: 'x' }, { funcs: HEADER_FUNCS, partial: true }), '');
  assert.equal(render('{{json .ID}}', { ID: 'IMAGE ID' }, { funcs: HEADER_FUNCS }), 'IMAGE ID');
  assert.equal(render('{{shout .}}', 'x', { funcs: { shout: (s: unknown) => `${String(s)}!` } }), 'x!');
});

test('parse errors', () => {
  const cases: [string, string][] = [
    ['{{.Foo', 'template: :1: unclosed action'],
    ['{{end}}', 'template: :1: unexpected {{end}}'],
    ['{{else}}', 'template: :1: unexpected {{else}}'],
    ['{{if .A}}', 'template: :1: unexpected EOF'],
    ['{{nope}}', 'template: :1: function "nope" not defined'],
    ['{{InvalidFunction}}', 'template: :1: function "InvalidFunction" not defined'],
    ['{{$x}}', 'template: :1: undefined variable "$x"'],
    ['{{}}', 'template: :1: missing value for command'],
    ['{{break}}', 'template: :1: {{break}} outside {{range}}'],
    ['{{.A | 1}}', 'template: :1: non executable command in pipeline stage 2'],
    ['{{"abc}}', 'template: :1: unterminated quoted string'],
    ['{{.A !}}', 'template: :1: unexpected "!" in operand'],
    ['{{(.A}}', 'template: :1: unclosed left paren'],
    ['{{.A)}}', 'template: :1: unexpected right paren'],
    ['a\n\n{{if}}', 'template: :3: missing value for if'],
    ['{{/* x', 'template: :1: unclosed comment'],
  ];
  for (const [t, message] of cases) {
    assert.throws(() => compileTemplate(t), { name: 'BerthError', message: `template parsing error: ${message}` }, t);
  }
});

test('execution errors', () => {
  const cases: [string, string][] = [
    ['{{nil}}', 'template: :1:2: executing "" at <nil>: nil is not a command'],
    ['{{.L.Foo}}', 'template: :1:4: executing "" at <.L.Foo>: can\'t evaluate field Foo in type []interface {}'],
    ['{{.Name.Foo}}', 'template: :1:7: executing "" at <.Name.Foo>: can\'t evaluate field Foo in type string'],
    ['{{index .L 5}}', 'template: :1:2: executing "" at <index .L 5>: error calling index: index out of range: 5'],
    ['{{eq 1 "a"}}', 'template: :1:2: executing "" at <eq 1 "a">: error calling eq: incompatible types for comparison'],
    ['{{.Name 1}}', 'template: :1:2: executing "" at <.Name>: Name is not a method but has arguments'],
    ['{{"x" 1}}', 'template: :1:2: executing "" at <"x">: can\'t give argument to non-function "x"'],
    ['{{join .L}}', 'template: :1:2: executing "" at <join .L>: wrong number of args for join: want 2 got 1'],
    ['x{{upper .Size}}', 'template: :1:9: executing "" at <.Size>: wrong type for value; expected string; got int'],
    ['{{truncate .Name "3"}}', 'template: :1:17: executing "" at <"3">: wrong type for value; expected int; got string'],
  ];
  for (const [t, message] of cases) {
    assert.throws(() => render(t), { name: 'BerthError', message }, t);
  }
});

test('missingKeyError and exactFields: Go\'s missingkey=error and exact names', () => {
  const raw = new Map<string, unknown>([['Id', 'x'], ['IPAM', new Map([['Driver', 'default']])]]);
  const strict = { missingKeyError: true, exactFields: true };
  assert.equal(render('{{.Id}} {{.IPAM.Driver}}', raw, strict), 'x default');
  assert.throws(() => render('{{.ID}}', raw, strict), { message: 'template: :1:2: executing "" at <.ID>: map has no entry for key "ID"' });
  assert.throws(() => render('{{.IPAM.driver}}', raw, strict), { message: 'template: :1:7: executing "" at <.IPAM.driver>: map has no entry for key "driver"' });
  assert.throws(() => render('{{.Nope}}', { A: 1 }, { missingKeyError: true }), { message: 'template: :1:2: executing "" at <.Nope>: map has no entry for key "Nope"' });
  class Struct {
    ID = 'abc';
  }
  assert.equal(render('{{.Id}}', new Struct()), 'abc');
  assert.throws(() => render('{{.Id}}', new Struct(), { exactFields: true }), { message: 'template: :1:2: executing "" at <.Id>: can\'t evaluate field Id in type Struct' });
});
