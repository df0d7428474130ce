import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { busyboxRootfs, cliFor, docker, isRoot, startDaemon, type TestDaemon } from '../helpers/daemon.js';

const hasDocker = docker('unix:///nonexistent', ['--version']).code === 0;
const S = 1_000_000_000;

interface HealthJson {
  Status: string;
  FailingStreak: number;
  Log: { Start: string; End: string; ExitCode: number; Output: string }[] | null;
}

describe('healthchecks through the docker CLI', { skip: !isRoot || !hasDocker }, () => {
  let d: TestDaemon;
  const { run, ok, fails } = cliFor('docker', () => d);
  const berth = cliFor('berth', () => d);
  const health = (ref: string): HealthJson | null => JSON.parse(ok(['inspect', '-f', '{{json .State.Health}}', ref])) as HealthJson | null;
  const healthConfig = (ref: string, kind: 'container' | 'image' = 'container'): unknown =>
    JSON.parse(ok([kind, 'inspect', '-f', kind === 'image' ? '{{json .Config.Healthcheck}}' : '{{json .Config.Healthcheck}}', ref]));
  const status = (name: string): string => ok(['ps', '-a', '--filter', `name=^${name}$`, '--format', '{{.Status}}']).trim();
  const log = (ref: string): NonNullable<HealthJson['Log']> => health(ref)?.Log ?? [];
  /** Polls `get` until `check` holds (30 s at most: the suite runs two files at once). */
  const until = async <T>(what: string, get: () => T, check: (v: T) => boolean, ms = 30_000): Promise<T> => {
    const end = Date.now() + ms;
    let v = get();
    while (!check(v)) {
      if (Date.now() > end) assert.fail(`${what}: never happened; last: ${JSON.stringify(v)}`);
      await sleep(150);
      v = get();
    }
    return v;
  };
  const healthIs = (ref: string, want: string): Promise<HealthJson | null> => until(`${ref} ${want}`, () => health(ref), (h) => h?.Status === want);
  const events = (since: number, filters: string[]): string[] =>
    ok(['events', '--since', String(since), '--until', String(Date.now() / 1000), ...filters.flatMap((f) => ['--filter', f]), '--format', '{{.Action}}']).split('\n').filter(Boolean);
  const idOf = (ref: string): string => ok(['inspect', '-f', '{{.Id}}', ref]).trim();
  const startedAt = (ref: string): number => Date.parse(ok(['inspect', '-f', '{{.State.StartedAt}}', ref]).trim());
  /** What probes left in the container's exec directory (at most the one under way). */
  const execDirs = (ref: string): string[] => {
    const dir = join(d.dir, 'exec', 'containers', idOf(ref), 'exec');
    return existsSync(dir) ? readdirSync(dir) : [];
  };

  before(async () => {
    d = await startDaemon();
    ok(['import', '-c', 'CMD ["sh"]', '-', 'busybox:latest'], busyboxRootfs());
  });
  after(async () => {
    await d.cleanup();
  });
  // Each test starts from no containers, whatever the one before left after a failure.
  afterEach(() => {
    const left = ok(['ps', '-aq']).split('\n').filter(Boolean);
    if (left.length) ok(['rm', '-f', ...left]);
  });

  test('a passing probe: (health: starting), then (healthy) in ps and inspect, with its output, events and nothing left behind', async () => {
    const t0 = Math.floor(Date.now() / 1000) - 1;
    ok(['run', '-d', '--name', 'up', '--health-cmd', 'echo probe-out; exit 0', '--health-interval', '1s', '--health-retries', '2', 'busybox', 'sleep', '1000']);
    assert.deepEqual(healthConfig('up'), { Test: ['CMD-SHELL', 'echo probe-out; exit 0'], Interval: S, Retries: 2 });
    assert.match(status('up'), /^Up .* \(health: starting\)$/);
    assert.deepEqual(health('up'), { Status: 'starting', FailingStreak: 0, Log: null });
    const h = await healthIs('up', 'healthy');
    assert.match(status('up'), /^Up .* \(healthy\)$/);
    assert.equal(h!.FailingStreak, 0);
    const [first] = h!.Log!;
    assert.equal(first!.ExitCode, 0);
    assert.equal(first!.Output, 'probe-out\n');
    assert.ok(Date.parse(first!.End) >= Date.parse(first!.Start), JSON.stringify(first));
    assert.ok(Date.parse(first!.Start) - startedAt('up') >= 1000, 'the first probe waits one interval');

    await until('a second probe', () => log('up').length, (n) => n >= 2);
    const actions = events(t0, ['container=up']);
    const probe = '/bin/sh -c echo probe-out; exit 0';
    for (const a of [`exec_create: ${probe}`, `exec_start: ${probe}`, 'exec_die', 'health_status: healthy']) assert.ok(actions.includes(a), `${a} in ${actions.join(', ')}`);
    assert.equal(actions.filter((a) => a === 'health_status: healthy').length, 1, 'one event per change of status');
    // "health_status" matches its "health_status: <status>" events, as in moby; old clients read `status`.
    const [ev] = ok(['events', '--since', String(t0), '--until', String(Date.now() / 1000), '--filter', 'container=up', '--filter', 'event=health_status', '--format', '{{json .}}']).split('\n');
    const e = JSON.parse(ev!) as { status: string; Action: string; from: string; Actor: { Attributes: Record<string, string> } };
    assert.equal(e.Action, 'health_status: healthy');
    assert.equal(e.status, 'health_status: healthy');
    assert.equal(e.from, 'busybox');
    assert.equal(e.Actor.Attributes.name, 'up');

    // The probes' execs are not kept: not in inspect, not by ID, no directories, no processes.
    const execId = ok(['events', '--since', String(t0), '--until', String(Date.now() / 1000), '--filter', 'container=up', '--filter', 'event=exec_die', '--format', '{{.Actor.Attributes.execID}}']).split('\n')[0]!;
    await assert.rejects(d.client.json('GET', `/exec/${execId}/json`), { message: `No such exec instance: ${execId}` });
    assert.equal(ok(['inspect', '-f', '{{json .ExecIDs}}', 'up']).trim(), 'null');
    assert.ok(execDirs('up').length <= 1, execDirs('up').join(' '));
    assert.doesNotMatch(ok(['top', 'up']), /echo|probe/);
  });

  test('a failing probe: unhealthy after Retries, with its streak and the last five probes', async () => {
    const t0 = Math.floor(Date.now() / 1000) - 1;
    ok(['run', '-d', '--name', 'down', '--health-cmd', 'echo broken >&2; exit 3', '--health-interval', '200ms', '--health-retries', '3', 'busybox', 'sleep', '1000']);
    const h = await healthIs('down', 'unhealthy');
    assert.ok(h!.FailingStreak >= 3, JSON.stringify(h));
    assert.match(status('down'), /^Up .* \(unhealthy\)$/);
    const later = await until('more failures', () => health('down')!, (x) => x.FailingStreak >= 6);
    assert.equal(later.Status, 'unhealthy');
    assert.equal(later.Log!.length, 5);
    for (const r of later.Log!) assert.deepEqual([r.ExitCode, r.Output], [3, 'broken\n']);
    const starts = later.Log!.map((r) => Date.parse(r.Start));
    assert.deepEqual(starts, [...starts].sort((a, b) => a - b), 'oldest first');
    assert.deepEqual(events(t0, ['container=down', 'event=health_status']), ['health_status: unhealthy']);
  });

  test('a probe past its timeout is killed with what it started, and fails with moby\'s message', async () => {
    ok(['run', '-d', '--name', 'slow', '--health-cmd', 'echo partial; sleep 30 & sleep 31; wait', '--health-timeout', '500ms', '--health-interval', '600ms', '--health-retries', '1', 'busybox', 'sleep', '1000']);
    const h = await healthIs('slow', 'unhealthy');
    assert.deepEqual(h!.Log![0]!.ExitCode, -1);
    assert.equal(h!.Log![0]!.Output, 'Health check exceeded timeout (500ms): partial\n');
    await until('three probes', () => log('slow').length, (n) => n >= 3);
    // Unkilled, each probe would leave two sleeps for half a minute: only the one under way may have any.
    const sleeps = ok(['exec', 'slow', 'ps']).split('\n').filter((l) => / sleep 3[01]$/.test(l));
    assert.ok(sleeps.length <= 2, sleeps.join('\n'));
  });

  test('start period: failures in it do not count while starting; the start interval applies meanwhile', async () => {
    ok(['run', '-d', '--name', 'boot', '--health-cmd', 'exit 1', '--health-interval', '200ms', '--health-start-period', '3s', '--health-start-interval', '200ms', '--health-retries', '1', 'busybox', 'sleep', '1000']);
    const started = startedAt('boot');
    let sawShielded = false;
    const last = await until(
      'unhealthy after the start period',
      () => {
        const h = health('boot')!;
        const inPeriod = (h.Log ?? []).every((r) => Date.parse(r.Start) - started < 3000);
        if (inPeriod && h.Log?.length) {
          sawShielded = true;
          assert.deepEqual([h.Status, h.FailingStreak], ['starting', 0], JSON.stringify(h));
        }
        return h;
      },
      (h) => h.Status === 'unhealthy',
    );
    assert.ok(sawShielded, 'failures were seen inside the start period');
    assert.ok(last.Log!.some((r) => Date.parse(r.Start) - started >= 3000), JSON.stringify(last));

    // While starting within the start period, probes come at the start interval; once healthy, at the interval (1 h).
    ok(['run', '-d', '--name', 'quick', '--health-cmd', 'true', '--health-interval', '1h', '--health-start-period', '1h', '--health-start-interval', '200ms', 'busybox', 'sleep', '1000']);
    await healthIs('quick', 'healthy');
    await sleep(1500);
    assert.equal(log('quick').length, 1);
  });

  test('HEALTHCHECK from the image (commit and import --change), merged with --health-*, and --no-healthcheck', async () => {
    ok(['run', '--name', 'hcbase', 'busybox', 'true']);
    ok(['commit', '--change', 'HEALTHCHECK --interval=300ms --retries=1 CMD ["cat", "/tmp/ok"]', 'hcbase', 'hcimg']);
    ok(['commit', '--change', 'USER nobody', '--change', 'HEALTHCHECK --interval=300ms CMD id -u', 'hcbase', 'userimg']);
    ok(['rm', 'hcbase']);
    // Probes run as the container's user, the image's USER included (as execs do).
    ok(['run', '-d', '--name', 'asuser', 'userimg', 'sleep', '1000']);
    assert.equal((await healthIs('asuser', 'healthy'))!.Log![0]!.Output, '65534\n');
    assert.equal(ok(['exec', 'asuser', 'id', '-u']), '65534\n');
    ok(['rm', '-f', 'asuser']);
    ok(['rmi', 'userimg']);
    const fromImage = { Test: ['CMD', 'cat', '/tmp/ok'], Interval: 0.3 * S, Retries: 1 };
    assert.deepEqual(healthConfig('hcimg', 'image'), fromImage);

    const t0 = Math.floor(Date.now() / 1000) - 1;
    ok(['run', '-d', '--name', 'fromimg', 'hcimg', 'sleep', '1000']);
    assert.deepEqual(healthConfig('fromimg'), fromImage);
    const bad = await healthIs('fromimg', 'unhealthy');
    assert.deepEqual([bad!.Log![0]!.ExitCode, bad!.Log![0]!.Output], [1, "cat: can't open '/tmp/ok': No such file or directory\n"]);
    ok(['exec', 'fromimg', 'touch', '/tmp/ok']);
    await healthIs('fromimg', 'healthy');
    assert.deepEqual(events(t0, ['container=fromimg', 'event=health_status']), ['health_status: unhealthy', 'health_status: healthy']);

    // moby's merge: NONE replaces the image's test; the zero fields still take the image's.
    ok(['run', '-d', '--name', 'nohc', '--no-healthcheck', 'hcimg', 'sleep', '1000']);
    assert.deepEqual(healthConfig('nohc'), { ...fromImage, Test: ['NONE'] });
    await sleep(1000);
    assert.equal(health('nohc'), null);
    assert.match(status('nohc'), /^Up [^(]*$/);
    assert.equal(events(t0, ['container=nohc']).filter((a) => a.startsWith('exec_')).length, 0);

    ok(['run', '-d', '--name', 'merged', '--health-interval', '1h', '--health-retries', '4', 'hcimg', 'sleep', '1000']);
    const merged = { Test: ['CMD', 'cat', '/tmp/ok'], Interval: 3600 * S, Retries: 4 };
    assert.deepEqual(healthConfig('merged'), merged);
    // A commit carries the container's healthcheck.
    ok(['commit', 'merged', 'mergedimg']);
    assert.deepEqual(healthConfig('mergedimg', 'image'), merged);

    ok(['import', '--change', 'HEALTHCHECK --timeout=2s CMD true', '-', 'imported'], busyboxRootfs());
    assert.deepEqual(healthConfig('imported', 'image'), { Test: ['CMD-SHELL', 'true'], Timeout: 2 * S });
    fails(['commit', '--change', 'HEALTHCHECK NONE now', 'merged', 'x'], /HEALTHCHECK NONE takes no arguments/);
    ok(['rm', '-f', 'fromimg', 'nohc', 'merged']);
    ok(['rmi', 'hcimg', 'mergedimg', 'imported']);
  });

  test('the health filter of ps, and moby\'s error for a bad value', async () => {
    ok(['run', '-d', '--name', 'f-ok', '--health-cmd', 'true', '--health-interval', '200ms', 'busybox', 'sleep', '1000']);
    ok(['run', '-d', '--name', 'f-bad', '--health-cmd', 'false', '--health-interval', '200ms', '--health-retries', '1', 'busybox', 'sleep', '1000']);
    ok(['run', '-d', '--name', 'f-start', '--health-cmd', 'true', '--health-interval', '1h', 'busybox', 'sleep', '1000']);
    ok(['run', '-d', '--name', 'f-none', 'busybox', 'sleep', '1000']);
    ok(['create', '--name', 'f-created', '--health-cmd', 'true', 'busybox', 'sleep', '1000']);
    await healthIs('f-ok', 'healthy');
    await healthIs('f-bad', 'unhealthy');
    const names = (value: string): string[] => ok(['ps', '-a', '--filter', `health=${value}`, '--format', '{{.Names}}']).split('\n').filter(Boolean).sort();
    assert.deepEqual(names('healthy'), ['f-ok']);
    assert.deepEqual(names('unhealthy'), ['f-bad']);
    assert.deepEqual(names('starting'), ['f-start']);
    assert.deepEqual(names('none'), ['f-created', 'f-none']);
    fails(['ps', '--filter', 'health=bogus'], /invalid filter 'health=bogus': invalid value for health \(bogus\): must be one of none, starting, healthy, unhealthy/);
  });

  test('pause suspends the probes; stop leaves it unhealthy; start begins again at starting, keeping the log', async () => {
    ok(['run', '-d', '--name', 'cycle', '--health-cmd', 'true', '--health-interval', '1s', 'busybox', 'sleep', '1000']);
    await healthIs('cycle', 'healthy');
    ok(['pause', 'cycle']);
    const paused = health('cycle')!;
    assert.equal(paused.Status, 'unhealthy', 'moby reports a paused container unhealthy');
    assert.match(status('cycle'), /\(Paused\)$/);
    await sleep(1500);
    assert.deepEqual(health('cycle'), paused, 'no probe while paused');
    ok(['unpause', 'cycle']);
    const resumed = await healthIs('cycle', 'healthy');
    assert.ok(resumed!.Log!.length > paused.Log!.length);

    ok(['stop', '-t', '0', 'cycle']);
    const stopped = health('cycle')!;
    assert.equal(stopped.Status, 'unhealthy');
    assert.match(status('cycle'), /^Exited/);
    assert.deepEqual(ok(['ps', '-a', '--filter', 'health=unhealthy', '--format', '{{.Names}}']).trim(), 'cycle');
    await sleep(1500);
    assert.deepEqual(health('cycle'), stopped, 'no probe once stopped');

    ok(['start', 'cycle']);
    const restarted = health('cycle')!;
    assert.deepEqual([restarted.Status, restarted.FailingStreak, restarted.Log], ['starting', 0, stopped.Log]);
    await healthIs('cycle', 'healthy');
  });

  test('bad durations and retries get moby\'s 400s, and nothing is created', async () => {
    const before = ok(['ps', '-aq']);
    for (const [flag, value, field] of [['--health-interval', '500us', 'Interval'], ['--health-timeout', '1ns', 'Timeout'], ['--health-start-period', '10us', 'StartPeriod'], ['--health-start-interval', '999us', 'StartInterval']] as const) {
      const r = fails(['run', '--health-cmd', 'true', flag, value, 'busybox', 'true'], new RegExp(`Error response from daemon: ${field} in Healthcheck cannot be less than 1ms`));
      assert.equal(r.code, 125);
    }
    const create = (healthcheck: unknown): Promise<unknown> => d.client.json('POST', '/containers/create', { body: { Image: 'busybox', Cmd: ['true'], Healthcheck: healthcheck } });
    await assert.rejects(create({ Test: ['CMD', 'true'], Retries: -1 }), { status: 400, message: 'Retries in Healthcheck cannot be negative' });
    await assert.rejects(create({ Test: 'true' }), { status: 400, message: /cannot unmarshal string into Go struct field HealthcheckConfig.Config.Healthcheck.Test of type \[\]string/ });
    await assert.rejects(create({ Interval: '1s' }), { status: 400, message: /cannot unmarshal string into Go struct field HealthcheckConfig.Config.Healthcheck.Interval of type time.Duration/ });
    assert.equal(ok(['ps', '-aq']), before);
  });

  test('the berth CLI: --health-* flags and --no-healthcheck send docker\'s body; berth ps shows the health', async () => {
    berth.ok(['run', '-d', '--name', 'b-hc', '--health-cmd', 'exit 0', '--health-interval', '300ms', '--health-timeout', '2s', '--health-start-period', '1s', '--health-start-interval', '200ms', '--health-retries', '2', 'busybox', 'sleep', '1000']);
    assert.deepEqual(healthConfig('b-hc'), { Test: ['CMD-SHELL', 'exit 0'], Interval: 0.3 * S, Timeout: 2 * S, StartPeriod: S, StartInterval: 0.2 * S, Retries: 2 });
    await healthIs('b-hc', 'healthy');
    assert.match(berth.ok(['ps', '--filter', 'name=b-hc', '--format', '{{.Status}}']), /^Up .* \(healthy\)\n$/);
    assert.deepEqual(berth.ok(['ps', '--filter', 'health=healthy', '--format', '{{.Names}}']), 'b-hc\n');
    berth.ok(['create', '--name', 'b-none', '--no-healthcheck', 'busybox', 'true']);
    assert.deepEqual(healthConfig('b-none'), { Test: ['NONE'] });
    berth.fails(['run', '--no-healthcheck', '--health-cmd', 'true', 'busybox', 'true'], /--no-healthcheck conflicts with --health-\* options/);
  });

  test('kill -9 of berthd: after the restart the probes resume, from starting, the log kept', async () => {
    ok(['run', '-d', '--name', 'survivor', '--health-cmd', 'echo alive', '--health-interval', '500ms', 'busybox', 'sleep', '1000']);
    ok(['run', '-d', '--name', 'sick', '--health-cmd', 'sleep 30', '--health-timeout', '300ms', '--health-interval', '200ms', '--health-retries', '1', 'busybox', 'sleep', '1000']);
    await healthIs('survivor', 'healthy');
    await healthIs('sick', 'unhealthy');
    const kept = log('survivor');
    await d.kill9();
    const downAt = Date.now();
    await d.restart();
    const sickAfter = health('sick')!;
    const survivorAfter = health('survivor')!;
    assert.equal(run(['inspect', '-f', '{{.State.Running}}', 'survivor']).stdout.trim(), 'true');
    assert.ok(survivorAfter.Log!.some((r) => r.Start === kept.at(-1)!.Start), 'the log from before the restart is kept');
    await until('a probe after the restart', () => log('survivor'), (l) => l.some((r) => Date.parse(r.Start) > downAt));
    assert.equal(health('survivor')!.Status, 'healthy');
    // moby's restore starts the count over: starting, then unhealthy again.
    assert.ok(sickAfter.Status === 'starting' || sickAfter.Log!.some((r) => Date.parse(r.Start) > downAt), JSON.stringify(sickAfter));
    await healthIs('sick', 'unhealthy');
    // The probe that was under way at the crash is ended with its processes.
    await sleep(500);
    const sleeps = ok(['exec', 'sick', 'ps']).split('\n').filter((l) => / sleep 30$/.test(l));
    assert.ok(sleeps.length <= 1, sleeps.join('\n'));
    assert.ok(execDirs('sick').length <= 1, execDirs('sick').join(' '));
  });
});
