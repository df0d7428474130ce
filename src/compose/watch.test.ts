import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerPath, ruleFor, type WatchRule } from './watch.js';

test('watch: a changed file falls under the most specific rule, ignores and editor files left out', () => {
  const rules: WatchRule[] = [
    { path: '/p/src', action: 'sync', target: '/app', ignore: ['node_modules', '*.tmp'] },
    { path: '/p/src/conf', action: 'sync+restart', target: '/etc/app' },
    { path: '/p/package.json', action: 'rebuild' },
  ];
  assert.equal(ruleFor(rules, '/p/src/a.js')?.target, '/app');
  assert.equal(ruleFor(rules, '/p/src/conf/x.ini')?.action, 'sync+restart');
  assert.equal(ruleFor(rules, '/p/package.json')?.action, 'rebuild');
  assert.equal(ruleFor(rules, '/p/src/node_modules/m/index.js'), undefined);
  assert.equal(ruleFor(rules, '/p/src/x.tmp'), undefined);
  assert.equal(ruleFor(rules, '/p/src/.git/HEAD'), undefined);
  assert.equal(ruleFor(rules, '/p/src/a.js~'), undefined);
  assert.equal(ruleFor(rules, '/p/src/.a.js.swp'), undefined);
  assert.equal(ruleFor(rules, '/p/other.txt'), undefined);
  assert.equal(ruleFor(rules, '/p/srcx/a'), undefined);
});

test('watch: where a synced file goes in the container', () => {
  const rule: WatchRule = { path: '/p/src', action: 'sync', target: '/app' };
  assert.equal(containerPath(rule, '/p/src/a/b.txt'), '/app/a/b.txt');
  assert.equal(containerPath(rule, '/p/src'), '/app');
});
