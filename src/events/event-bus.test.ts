import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FilterArgs } from '../base/filters.js';
import { EventBus, eventMatcher } from './event-bus.js';

test('events are delivered live, kept for replay, strictly ordered', () => {
  const bus = new EventBus(3);
  const seen: string[] = [];
  const off = bus.subscribe((e) => seen.push(e.action));
  const a = bus.publish('image', 'tag', 'sha256:1', { name: 'x:1' });
  bus.publish('image', 'untag', 'sha256:1');
  off();
  bus.publish('image', 'delete', 'sha256:1');
  bus.publish('image', 'load', 'sha256:2');
  assert.deepEqual(seen, ['tag', 'untag']);
  const all = bus.history(0n);
  assert.deepEqual(all.map((e) => e.action), ['untag', 'delete', 'load'], 'capacity bounds the replay buffer');
  assert.ok(all[0]!.timeNano > a.timeNano && all[1]!.timeNano > all[0]!.timeNano);
});

test('filters: type, event, image, label', () => {
  const bus = new EventBus();
  const e1 = bus.publish('image', 'tag', 'sha256:1', { name: 'busybox:latest' });
  const e2 = bus.publish('container', 'start', 'abc', { name: 'web', image: 'busybox', 'com.x': 'y' });
  const m = (json: string) => eventMatcher(FilterArgs.parse(json));
  assert.equal(m('{"type":["image"]}')(e1), true);
  assert.equal(m('{"type":["image"]}')(e2), false);
  assert.equal(m('{"event":["start"]}')(e2), true);
  assert.equal(m('{"image":["busybox"]}')(e1), true);
  assert.equal(m('{"image":["busybox"]}')(e2), true);
  assert.equal(m('{"container":["web"]}')(e2), true);
  assert.equal(m('{"label":["com.x=y"]}')(e2), true);
  assert.equal(m('{"label":["com.x=z"]}')(e2), false);
  assert.throws(() => m('{"nope":["x"]}'), /invalid filter 'nope'/);
});
