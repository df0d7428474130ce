// Expected bytes are what the docker CLI 28.2.2 sent (captured by a logging Engine API server).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeJsonBody, escapePath } from './api-client.js';

test('encodeJsonBody: json.Encoder\'s HTML escaping and final newline', () => {
  assert.equal(encodeJsonBody({ Container: 'web', Force: false }), '{"Container":"web","Force":false}\n');
  assert.equal(encodeJsonBody({ Labels: { x: '<&>', y: '\u2028' } }), '{"Labels":{"x":"\\u003c\\u0026\\u003e","y":"\\u2028"}}\n');
});

test('escapePath: url.URL.String()\'s path escaping', () => {
  assert.equal(escapePath('a b'), 'a%20b');
  assert.equal(escapePath('x?y'), 'x%3Fy');
  assert.equal(escapePath('x#y'), 'x%23y');
  assert.equal(escapePath('é'), '%C3%A9');
  assert.equal(escapePath('a%b'), 'a%25b');
  assert.equal(escapePath('c:d@e'), 'c:d@e');
  assert.equal(escapePath("a'b(c)!*"), 'a%27b%28c%29%21%2A');
  assert.equal(escapePath('net-2_x.y~$&+,;='), 'net-2_x.y~$&+,;=');
});
