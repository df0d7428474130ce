/**
 * docker-py 5.0.3's own integration suite (../shared/conformance/docker-py/run.sh) against a
 * berthd of its own: everything not in docker-py-pending.txt must pass, every run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRoot, ROOT, startDaemon, type TestDaemon } from '../helpers/daemon.js';

const RUN_SH = join(ROOT, '../shared/conformance/docker-py/run.sh');
const PENDING = join(ROOT, 'test/conformance/docker-py-pending.txt');
/** The whole run's limit in run.sh; the test's own is a little longer so run.sh reports first. */
const RUN_TIMEOUT_S = 900;
/**
 * The suite's berthd (with all it starts) and its clients run at a higher CPU priority than the
 * test files beside them: some of docker-py's tests give a whole restart 4 s, or a removal 2 s,
 * which a machine busy with other test daemons would otherwise miss now and then.
 */
const PRIORITY = -10;

interface RunResult {
  code: number | null;
  output: string;
}

function runSuite(host: string, resultsDir: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    // By its real path: pytest names tests relative to the real tree, which the pending list uses.
    const child = spawn('bash', [realpathSync(RUN_SH)], {
      env: {
        ...process.env,
        DOCKER_HOST: host,
        PENDING,
        RESULTS_DIR: resultsDir,
        RUN_TIMEOUT: String(RUN_TIMEOUT_S),
        // The API version docker-py's own Makefile runs this suite at (TEST_API_VERSION, Docker 20.10).
        DOCKER_TEST_API_VERSION: '1.41',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (child.pid !== undefined) setPriority(child.pid, PRIORITY);
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

test('docker-py integration suite: all but the pending tests pass', { skip: !isRoot, timeout: (RUN_TIMEOUT_S + 120) * 1000 }, async (t) => {
  assert.ok(existsSync(RUN_SH), `${RUN_SH} is missing: the project expects ../shared/conformance beside it`);
  let d: TestDaemon | undefined;
  const results = mkdtempSync(join(tmpdir(), 'berth-dockerpy-'));
  let passed = false;
  try {
    d = await startDaemon([], { priority: PRIORITY });
    const t0 = Date.now();
    const r = await runSuite(d.host, results);
    const lines = r.output.trimEnd().split('\n');
    // run.sh ends with its failures, pytest's counts and its own `N passed, M failed, K skipped`.
    for (const line of lines.slice(-40)) t.diagnostic(line);
    t.diagnostic(`docker-py suite took ${Math.round((Date.now() - t0) / 1000)} s`);
    assert.equal(r.code, 0, `run.sh exited ${r.code}; JUnit XML and the pytest log are in ${results}:\n${lines.slice(-40).join('\n')}`);
    assert.match(lines.at(-1) ?? '', /^\d+ passed, 0 failed, \d+ skipped$/);
    passed = true;
  } finally {
    await d?.cleanup();
    if (passed) rmSync(results, { recursive: true, force: true });
    else t.diagnostic(`docker-py results kept in ${results}`);
  }
});
