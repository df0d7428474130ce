import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DAEMON_ENV, DAEMON_NODE_FLAGS, missingTuning, reexecArgv } from './runtime-tuning.js';

test('an untuned process lacks every flag and variable', () => {
  const m = missingTuning([], {});
  assert.deepEqual(m.flags, DAEMON_NODE_FLAGS);
  assert.deepEqual(m.env, DAEMON_ENV);
});

test('what the operator set wins, on the command line or in NODE_OPTIONS, in either spelling', () => {
  const m = missingTuning(['--max_old_space_size=1024'], { NODE_OPTIONS: '--max-semi-space-size=4 --trace-gc', MALLOC_ARENA_MAX: '8' });
  assert.deepEqual(m.flags, []);
  assert.deepEqual(m.env, {});
});

test('after the re-exec nothing is missing: it happens once', () => {
  const first = missingTuning(['--inspect'], { PATH: '/bin' });
  const argv = reexecArgv('/usr/bin/node', first.flags, ['--inspect'], ['/usr/bin/node', '/x/main.js', '-H', 'unix:///s']);
  assert.deepEqual(argv, ['/usr/bin/node', ...DAEMON_NODE_FLAGS, '--inspect', '/x/main.js', '-H', 'unix:///s']);
  const execArgv = argv.slice(1, argv.indexOf('/x/main.js'));
  assert.deepEqual(missingTuning(execArgv, { PATH: '/bin', ...first.env }), { flags: [], env: {} });
});
