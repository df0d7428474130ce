// Expected strings come from docker/cli: cli/command/formatter/{image_test,formatter_test}.go and
// the tabwriter fork's tabwriter_test.go.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { displayWidth, formatOutput, renderTable, tabwrite } from './table.js';

const DEFAULT_IMAGE_FORMAT =
  'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{if .CreatedSince }}{{.CreatedSince}}{{else}}N/A{{end}}\t{{.Size}}';
const DEFAULT_IMAGE_FORMAT_WITH_DIGEST =
  'table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{if .CreatedSince }}{{.CreatedSince}}{{else}}N/A{{end}}\t{{.Size}}';
const IMAGE_HEADERS = {
  ID: 'IMAGE ID', Repository: 'REPOSITORY', Tag: 'TAG', Digest: 'DIGEST', CreatedSince: 'CREATED',
  CreatedAt: 'CREATED AT', Size: 'SIZE', Containers: 'CONTAINERS',
};
const DIGEST = 'sha256:cbbf2f9a99b47fc460d422812b6a5adff7dfee951d8fa2e4a98caa0382cfbdbf';
const IMAGES = [
  { Repository: 'image', Tag: 'tag1', ID: 'imageID1', Digest: DIGEST, CreatedSince: '24 hours ago', Size: '0B' },
  { Repository: 'image', Tag: 'tag2', ID: 'imageID2', Digest: '<none>', CreatedSince: '', Size: '0B' },
  { Repository: '<none>', Tag: '<none>', ID: 'imageID3', Digest: '<none>', CreatedSince: '24 hours ago', Size: '0B' },
];

test('docker images default table (TestImageContextWrite)', () => {
  const expected = [
    'REPOSITORY   TAG       IMAGE ID   CREATED        SIZE',
    'image        tag1      imageID1   24 hours ago   0B',
    'image        tag2      imageID2   N/A            0B',
    '<none>       <none>    imageID3   24 hours ago   0B',
    '',
  ].join('\n');
  assert.equal(formatOutput(undefined, DEFAULT_IMAGE_FORMAT, IMAGES, IMAGE_HEADERS), expected);
  assert.equal(formatOutput('', DEFAULT_IMAGE_FORMAT, IMAGES, IMAGE_HEADERS), expected);
  assert.equal(formatOutput('table', DEFAULT_IMAGE_FORMAT, IMAGES, IMAGE_HEADERS), expected);
});

test('docker images --digests table', () => {
  assert.equal(formatOutput('table', DEFAULT_IMAGE_FORMAT_WITH_DIGEST, IMAGES, IMAGE_HEADERS), [
    'REPOSITORY   TAG       DIGEST                                                                    IMAGE ID   CREATED        SIZE',
    `image        tag1      ${DIGEST}   imageID1   24 hours ago   0B`,
    'image        tag2      <none>                                                                    imageID2   N/A            0B',
    '<none>       <none>    <none>                                                                    imageID3   24 hours ago   0B',
    '',
  ].join('\n'));
});

test('custom table formats', () => {
  assert.equal(formatOutput('table {{.Repository}}', DEFAULT_IMAGE_FORMAT, IMAGES, IMAGE_HEADERS), 'REPOSITORY\nimage\nimage\n<none>\n');
  assert.equal(formatOutput('table {{.Digest}}', DEFAULT_IMAGE_FORMAT, IMAGES, IMAGE_HEADERS), `DIGEST\n${DIGEST}\n<none>\n<none>\n`);
  // A literal backslash-t in the flag value is a column separator, as the docker CLI treats it.
  assert.equal(formatOutput('table {{.Repository}}\\t{{.Digest}}', DEFAULT_IMAGE_FORMAT, IMAGES, IMAGE_HEADERS), [
    'REPOSITORY   DIGEST', `image        ${DIGEST}`, 'image        <none>', '<none>       <none>', '',
  ].join('\n'));
  assert.equal(formatOutput('table {{.ID}}\t{{.Size}}', DEFAULT_IMAGE_FORMAT, IMAGES.slice(0, 1), IMAGE_HEADERS), 'IMAGE ID   SIZE\nimageID1   0B\n');
  assert.equal(formatOutput('table {{.Name}}', '', [{ Name: 'test' }], { Name: 'NAME' }), 'NAME\ntest\n');
});

test('empty list still prints the header row', () => {
  assert.equal(formatOutput(undefined, DEFAULT_IMAGE_FORMAT, [], IMAGE_HEADERS), 'REPOSITORY   TAG       IMAGE ID   CREATED   SIZE\n');
  assert.equal(formatOutput('{{.ID}}', DEFAULT_IMAGE_FORMAT, [], IMAGE_HEADERS), '');
});

test('header functions leave column names intact', () => {
  assert.equal(
    formatOutput('table {{upper .Repository}}\t{{truncate .ID 3}}\t{{json .Tag}}', '', IMAGES.slice(0, 1), IMAGE_HEADERS),
    'REPOSITORY   IMAGE ID   TAG\nIMAGE        ima        "tag1"\n',
  );
});

test('json and plain templates', () => {
  assert.equal(formatOutput('json', DEFAULT_IMAGE_FORMAT, [{ Name: 'test' }], {}), '{"Name":"test"}\n');
  assert.equal(formatOutput('{{json .}}', DEFAULT_IMAGE_FORMAT, [{ A: '<&>' }, { A: 1 }], {}), '{"A":"<&>"}\n{"A":1}\n');
  assert.equal(formatOutput('{{.ID}}', DEFAULT_IMAGE_FORMAT, IMAGES, IMAGE_HEADERS), 'imageID1\nimageID2\nimageID3\n');
  assert.equal(formatOutput('   {{.ID}}: {{.Tag}}   ', DEFAULT_IMAGE_FORMAT, IMAGES.slice(0, 2), IMAGE_HEADERS), 'imageID1: tag1\nimageID2: tag2\n');
  assert.equal(formatOutput('{{.ID}}\\n{{.Tag}}', DEFAULT_IMAGE_FORMAT, IMAGES.slice(0, 1), IMAGE_HEADERS), 'imageID1\ntag1\n');
  assert.equal(formatOutput('other', '', [{}, {}], {}), 'other\nother\n');
});

test('template errors carry docker\'s prefix', () => {
  assert.throws(() => formatOutput('{{InvalidFunction}}', '', IMAGES, IMAGE_HEADERS), {
    name: 'BerthError', message: 'template parsing error: template: :1: function "InvalidFunction" not defined',
  });
  assert.throws(() => formatOutput('{{nil}}', '', IMAGES, IMAGE_HEADERS), {
    message: 'template parsing error: template: :1:2: executing "" at <nil>: nil is not a command',
  });
  assert.throws(() => formatOutput('table {{.Foo}}', '', IMAGES, IMAGE_HEADERS), {
    message: 'template parsing error: template: :1:2: executing "" at <.Foo>: can\'t evaluate field Foo in type struct',
  });
});

test('renderTable', () => {
  assert.equal(renderTable(['NAME', 'DRIVER', 'SCOPE'], [['bridge', 'bridge', 'local'], ['host', 'host', 'local']]), [
    'NAME      DRIVER    SCOPE', 'bridge    bridge    local', 'host      host      local', '',
  ].join('\n'));
  assert.equal(renderTable(['CONTAINER ID', 'NAMES'], [['0123456789ab', 'a-very-long-container-name']]), [
    'CONTAINER ID   NAMES', '0123456789ab   a-very-long-container-name', '',
  ].join('\n'));
  assert.equal(renderTable(['A'], []), 'A\n');
  assert.equal(renderTable(['名前', 'X'], [['ab', 'y']]), '名前      X\nab        y\n');
});

test('tabwrite matches Go tabwriter (tabwriter_test.go)', () => {
  const cases: [string, number, number, number, string, string, string][] = [
    ['1a', 8, 0, 1, '.', '', ''],
    ['2', 8, 0, 1, '.', '\n\n\n', '\n\n\n'],
    ['3', 8, 0, 1, '.', 'a\nb\nc', 'a\nb\nc'],
    ['4a', 8, 0, 1, '.', '\t', ''],
    ['5', 8, 0, 1, '.', '*\t*', '*.......*'],
    ['5b', 8, 0, 1, '.', '*\t*\n', '*.......*\n'],
    ['5c', 8, 0, 1, '.', '*\t*\t', '*.......*'],
    ['6', 8, 0, 1, '.', '\t\n', '........\n'],
    ['7a', 8, 0, 1, '.', 'a) foo', 'a) foo'],
    ['7b', 8, 0, 1, ' ', 'b) foo\tbar', 'b) foo  bar'],
    ['7c', 8, 0, 1, '.', 'c) foo\tbar\t', 'c) foo..bar'],
    ['7d', 8, 0, 1, '.', 'd) foo\tbar\n', 'd) foo..bar\n'],
    ['7e', 8, 0, 1, '.', 'e) foo\tbar\t\n', 'e) foo..bar.....\n'],
    ['8', 8, 0, 1, '*', 'Hello, world!\n', 'Hello, world!\n'],
    ['9a', 1, 0, 0, '.', '1\t2\t3\t4\n11\t222\t3333\t44444\n', '1.2..3...4\n11222333344444\n'],
    ['9c', 1, 0, 0, '.', '1\t2\t3\t4\f11\t222\t3333\t44444\n', '1234\n11222333344444\n'],
    ['10a', 5, 0, 0, '.', '1\t2\t3\t4\n', '1....2....3....4\n'],
    ['10b', 5, 0, 0, '.', '1\t2\t3\t4\t\n', '1....2....3....4....\n'],
    ['11', 8, 0, 1, '.', '本\tb\tc\naa\t本本本\tcccc\tddddd\naaa\tbbbb\n',
      '本......b.......c\naa......本本本..cccc....ddddd\naaa.....bbbb\n'],
    ['12b', 2, 0, 0, ' ', 'a\tb\tc\naa\tbbb\tcccc\naaa\tbbbb\n', 'a  b  c\naa bbbcccc\naaabbbb\n'],
    ['12c', 8, 0, 1, '_', 'a\tb\tc\naa\tbbb\tcccc\naaa\tbbbb\n', 'a_______b_______c\naa______bbb_____cccc\naaa_____bbbb\n'],
    ['13a', 4, 0, 1, '-',
      '4444\t日本語\t22\t1\t333\n999999999\t22\n7\t22\n\t\t\t88888888\n\n666666\t666666\t666666\t4444\n1\t1\t999999999\t0000000000\n',
      '4444------日本語-22--1---333\n999999999-22\n7---------22\n------------------88888888\n\n666666-666666-666666----4444\n1------1------999999999-0000000000\n'],
    ['13b', 4, 0, 3, '.',
      '4444\t333\t22\t1\t333\n999999999\t22\n7\t22\n\t\t\t88888888\n\n666666\t666666\t666666\t4444\n1\t1\t999999999\t0000000000\n',
      '4444........333...22...1...333\n999999999...22\n7...........22\n....................88888888\n\n666666...666666...666666......4444\n1........1........999999999...0000000000\n'],
    ['15a', 4, 0, 0, '.', 'a\t\tb', 'a.......b'],
    ['16a', 100, 100, 0, '\t', 'a\tb\t\td\na\tb\t\td\te\na\na\tb\tc\td\na\tb\tc\td\te\n',
      'a\tb\t\td\na\tb\t\td\te\na\na\tb\tc\td\na\tb\tc\td\te\n'],
  ];
  for (const [name, minwidth, tabwidth, padding, padchar, src, expected] of cases) {
    assert.equal(tabwrite(src, { minwidth, tabwidth, padding, padchar }), expected, name);
  }
});

test('displayWidth', () => {
  assert.equal(displayWidth('abc'), 3);
  assert.equal(displayWidth('日本語'), 6);
  assert.equal(displayWidth('e\u0301'), 1);
  assert.equal(displayWidth(''), 0);
});
