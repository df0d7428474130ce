/**
 * Debian's docker-compose 1.29.2 (python, docker-py 5.0.3 underneath) against a private berthd,
 * unchanged, at the API version docker-py negotiates (the daemon's, 1.50): the project of
 * helpers/compose-v1 through every command.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busyboxRootfs, cliFor, isRoot, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { composeIn, freePort, hasCompose, httpGet, makeProject, projectLeft, psRows, type Json } from '../helpers/compose-v1.js';

describe('docker-compose 1.29.2 against berthd', { skip: !isRoot || !hasCompose }, () => {
  let d: TestDaemon;
  const dk = cliFor('docker', () => d);
  const dirs: string[] = [];

  before(async () => {
    d = await startDaemon();
    dk.ok(['import', '-c', 'CMD ["sh"]', '-', 'busybox:latest'], busyboxRootfs());
  });
  after(async () => {
    await d.cleanup();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  const inspect = (ref: string): Promise<Json> => d.client.json<Json>('GET', `/containers/${ref}/json`) as Promise<Json>;

  test('a 2.4 project through every command, at the API version docker-py negotiates (1.50)', async () => {
    const port = await freePort();
    const dir = makeProject('2.4', port);
    dirs.push(dir);
    const project = 'cvone';
    const dc = composeIn(d, dir, project);

    const config = dc.ok(['config']).stdout;
    assert.match(config, /GREETING: howdy/);
    assert.match(config, new RegExp(`- 127\\.0\\.0\\.1:${port}:80/tcp\\n`));
    assert.match(config, /condition: service_healthy/);

    const built = dc.ok(['build']).stdout;
    assert.match(built, /Step 1\/4 : FROM busybox\n/);
    assert.match(built, /Successfully built [0-9a-f]{12}\nSuccessfully tagged cvone_web:latest\n/);

    const up = dc.ok(['up', '-d']);
    assert.match(up.stderr, /Creating network "cvone_default" with the default driver/);
    assert.match(up.stderr, /Creating network "cvone_appnet" with the default driver/);
    assert.match(up.stderr, /Creating volume "cvone_data" with default driver/);
    assert.match(up.stderr, /Creating cvone_web_1 \.\.\. done/);
    assert.match(up.stderr, /Creating cvone_worker_1 \.\.\. done/);

    let ps = psRows(dc.ok(['ps']).stdout);
    assert.match(ps.get('cvone_web_1') ?? '', new RegExp(`^sh /start.sh\\s+Up \\(healthy\\)\\s+127\\.0\\.0\\.1:${port}->80/tcp$`));
    assert.match(ps.get('cvone_worker_1') ?? '', /Up\s*$/);
    assert.equal(await httpGet(port, '/'), 'hello from the bind mount\n');
    assert.equal(await httpGet(port, '/greeting.txt'), 'howdy\n');

    // depends_on condition: service_healthy: the worker started after the web service's first passing probe.
    const web = await inspect('cvone_web_1');
    const worker = await inspect('cvone_worker_1');
    const health = (web.State as { Health: { Log: { End: string; ExitCode: number }[] } }).Health;
    const firstPass = health.Log.find((l) => l.ExitCode === 0);
    assert.ok(firstPass, JSON.stringify(health));
    assert.ok(Date.parse((worker.State as { StartedAt: string }).StartedAt) >= Date.parse(firstPass.End), `worker started ${(worker.State as Json).StartedAt}, web healthy ${firstPass.End}`);

    // The v1 labels compose finds its objects by, on containers, networks and volumes.
    const labels = (web.Config as { Labels: Record<string, string> }).Labels;
    assert.equal(labels['com.docker.compose.project'], 'cvone');
    assert.equal(labels['com.docker.compose.service'], 'web');
    assert.equal(labels['com.docker.compose.container-number'], '1');
    assert.equal(labels['com.docker.compose.oneoff'], 'False');
    assert.equal(labels['com.docker.compose.version'], '1.29.2');
    assert.match(labels['com.docker.compose.config-hash'] ?? '', /^[0-9a-f]{64}$/);
    const net = (await d.client.json<{ Labels: Record<string, string> }>('GET', '/networks/cvone_appnet'))!;
    assert.equal(net.Labels['com.docker.compose.network'], 'appnet');
    assert.equal(net.Labels['com.docker.compose.project'], 'cvone');
    const vol = (await d.client.json<{ Labels: Record<string, string> }>('GET', '/volumes/cvone_data'))!;
    assert.equal(vol.Labels['com.docker.compose.volume'], 'data');

    const logs = dc.ok(['logs', '--no-color']).stdout;
    assert.match(logs, /web_1\s+\| web starting as howdy\n/);
    assert.match(logs, /worker_1\s+\| worker up\n/);
    assert.match(logs, /worker_1\s+\| howdy\n/);
    assert.match(dc.ok(['logs', '--no-color', '--tail=1', 'worker']).stdout, /worker_1\s+\| howdy\n/);

    assert.equal(dc.ok(['exec', '-T', 'web', 'cat', '/www/greeting.txt']).stdout, 'howdy\n');
    assert.match(dc.withTty(['exec', 'web', 'sh', '-c', 'tty; echo "term=$TERM"']), /\/dev\/pts\/\d+\r\nterm=xterm\r\n/);
    const oneOff = dc.ok(['run', '--rm', '-T', 'worker', 'sh', '-c', 'echo "run $GREETING"; wc -l < /data/boots']);
    assert.equal(oneOff.stdout, 'run howdy\n1\n');
    assert.equal((await projectLeft(d, project)).containers, 2, 'run --rm removed its container');

    const top = dc.ok(['top', 'web']).stdout;
    assert.match(top, /cvone_web_1\n/);
    assert.match(top, /httpd -f -p 80 -h \/www/);
    assert.equal(dc.ok(['port', 'web', '80']).stdout, `127.0.0.1:${port}\n`);
    const images = dc.ok(['images']).stdout;
    assert.match(images, /cvone_web_1\s+cvone_web\s+latest\s+[0-9a-f]{12}\s+\S+ [kM]B/);
    assert.match(images, /cvone_worker_1\s+busybox\s+latest\s+[0-9a-f]{12}/);

    const scaled = dc.ok(['scale', 'worker=3']);
    assert.match(scaled.stderr, /Creating cvone_worker_2 \.\.\. done/);
    assert.match(scaled.stderr, /Creating cvone_worker_3 \.\.\. done/);
    ps = psRows(dc.ok(['ps']).stdout);
    assert.deepEqual([...ps.keys()].sort(), ['cvone_web_1', 'cvone_worker_1', 'cvone_worker_2', 'cvone_worker_3']);
    for (const n of [2, 3]) assert.equal(((await inspect(`cvone_worker_${n}`)).Config as { Labels: Record<string, string> }).Labels['com.docker.compose.container-number'], String(n));

    dc.ok(['pause']);
    for (const row of psRows(dc.ok(['ps']).stdout).values()) assert.match(row, /\sPaused(\s|$)/);
    dc.ok(['unpause']);
    for (const row of psRows(dc.ok(['ps']).stdout).values()) assert.match(row, /\sUp/);

    const before = (await inspect('cvone_worker_1')).State as { StartedAt: string };
    assert.match(dc.ok(['restart', 'worker']).stderr, /Restarting cvone_worker_1 \.\.\. done/);
    assert.notEqual(((await inspect('cvone_worker_1')).State as { StartedAt: string }).StartedAt, before.StartedAt);

    dc.ok(['stop']);
    for (const row of psRows(dc.ok(['ps']).stdout).values()) assert.match(row, /\sExit 0\s*$/);
    dc.ok(['start']);
    ps = psRows(dc.ok(['ps']).stdout);
    assert.match(ps.get('cvone_web_1') ?? '', /\sUp/);
    assert.equal(await httpGet(port, '/greeting.txt'), 'howdy\n');

    dc.ok(['kill', 'worker']);
    ps = psRows(dc.ok(['ps']).stdout);
    for (const n of [1, 2, 3]) assert.match(ps.get(`cvone_worker_${n}`) ?? '', /\sExit 137\s*$/);
    dc.ok(['rm', '-f', 'worker']);
    assert.deepEqual([...psRows(dc.ok(['ps']).stdout).keys()], ['cvone_web_1']);

    const down = dc.ok(['down', '-v']);
    assert.match(down.stderr, /Removing network cvone_appnet/);
    assert.match(down.stderr, /Removing volume cvone_data/);
    assert.deepEqual(await projectLeft(d, project), { containers: 0, volumes: [], networks: [] });
  });

  test('unpinned (1.50), a recreate fails inside compose 1.29 as against Docker 25 and later', async () => {
    const port = await freePort();
    const dir = makeProject('2.4', port);
    dirs.push(dir);
    const dc = composeIn(d, dir, 'cvnew');
    dc.ok(['up', '-d']);
    writeFileSync(join(dir, 'app.env'), 'GREETING=howdy\nMODE=second\n');
    const r = dc.run(['up', '-d']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /KeyError: 'ContainerConfig'/);
    // Pinned below 1.45 the same project converges.
    composeIn(d, dir, 'cvnew', '1.44').ok(['up', '-d']);
    assert.equal(composeIn(d, dir, 'cvnew', '1.44').ok(['exec', '-T', 'web', 'sh', '-c', 'echo $MODE']).stdout, 'second\n');
    dc.ok(['down', '-v']);
    assert.deepEqual(await projectLeft(d, 'cvnew'), { containers: 0, volumes: [], networks: [] });
  });

  test('up in the foreground: attached output, --exit-code-from, and events --json as compose sees them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-compose-v1-'));
    dirs.push(dir);
    writeFileSync(
      join(dir, 'docker-compose.yml'),
      [
        'version: "3.8"',
        'services:',
        '  job:',
        '    image: busybox',
        '    command: ["sh", "-c", "sleep 1; echo done-job; exit 5"]',
        '  side:',
        '    image: busybox',
        `    command: ["sh", "-c", "trap 'exit 0' TERM; echo side up; while true; do sleep 1; done"]`,
        '',
      ].join('\n'),
    );
    const dc = composeIn(d, dir, 'cvfg');
    const events = dc.background(['events', '--json']);
    let seen = '';
    events.stdout!.on('data', (c: Buffer) => (seen += c.toString()));
    // events subscribes before it prints anything: give it a moment.
    await new Promise((r) => setTimeout(r, 1500));
    const up = dc.run(['up', '--no-color', '--exit-code-from', 'job']);
    assert.equal(up.code, 5, up.stderr);
    assert.match(up.stdout, /job_1\s+\| done-job\n/);
    assert.match(up.stdout, /side_1\s+\| side up\n/);
    assert.match(up.stdout, /cvfg_job_1 exited with code 5\n/);
    await new Promise((r) => setTimeout(r, 500));
    events.kill('SIGINT');
    await new Promise((r) => events.once('exit', r));
    const got = seen.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { service: string; action: string; attributes: { name: string } });
    const jobActions = got.filter((e) => e.service === 'job').map((e) => e.action);
    for (const a of ['create', 'start', 'die']) assert.ok(jobActions.includes(a), `${a} in ${jobActions.join(',')}`);
    assert.ok(got.some((e) => e.service === 'side' && e.action === 'stop'), seen);
    assert.ok(got.every((e) => e.attributes.name.startsWith('cvfg_')), seen);
    dc.ok(['down']);
    assert.deepEqual(await projectLeft(d, 'cvfg'), { containers: 0, volumes: [], networks: [] });
  });
});
