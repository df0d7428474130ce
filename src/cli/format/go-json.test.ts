// Expected text is what Go's json.Indent(dst, src, "", "    ") and json.Compact give.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonCompact, jsonIndent } from './go-json.js';

const RAW = '[{"Name":"a b","Empty":{},"List":[],"Nested":{"x":[1,2.50,{"y":null}]},"Esc":"\\u003c\\"}{,:[]\\\\","N":1e3}\n,{"z":true}\n]';

test('jsonIndent: Go\'s layout, token text kept', () => {
  assert.equal(
    jsonIndent(RAW),
    '[\n    {\n        "Name": "a b",\n        "Empty": {},\n        "List": [],\n        "Nested": {\n            "x": [\n                1,\n                2.50,\n                {\n                    "y": null\n                }\n            ]\n        },\n        "Esc": "\\u003c\\"}{,:[]\\\\",\n        "N": 1e3\n    },\n    {\n        "z": true\n    }\n]',
  );
  assert.equal(jsonIndent('[]'), '[]');
});

test('jsonCompact: whitespace between tokens dropped, strings untouched', () => {
  assert.equal(jsonCompact(RAW), '[{"Name":"a b","Empty":{},"List":[],"Nested":{"x":[1,2.50,{"y":null}]},"Esc":"\\u003c\\"}{,:[]\\\\","N":1e3},{"z":true}]');
  assert.equal(jsonCompact(' { "a" : [ 1 , 2 ] } '), '{"a":[1,2]}');
});
