/**
 * docker-compose 1.29.2 pinned to the old API versions compose 1.x used (COMPOSE_API_VERSION,
 * 1.21 for version-1 files up to 1.38) against a private berthd, with every file format.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { busyboxRootfs, cliFor, isRoot, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { composeIn, freePort, hasCompose, httpGet, makeProject, projectLeft, psRows, type Json } from '../helpers/compose-v1.js';

describe('docker-compose 1.29.2 pinned to old API versions', { skip: !isRoot || !hasCompose }, () => {
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

  // docker-py takes the daemon's newest API version; docker-compose 1.29 must then be pinned for
  // its recreate path (image inspect lost ContainerConfig in API 1.45), as with Docker 25 and later.
  for (const [version, api] of [['3.8', '1.38'], [undefined, '1.30'], ['2.4', '1.25'], ['2.0', '1.22'], ['1', '1.21']] as const) {
    test(`a ${version ? `"${version}"` : 'version-less'} file at API ${api}: up, a recreate keeps the volume, exec, run, down -v`, async () => {
      const port = await freePort();
      const dir = makeProject(version, port);
      dirs.push(dir);
      const project = `cvold${api.replace('.', '')}`;
      const dc = composeIn(d, dir, project, api);
      dc.ok(['up', '-d']);
      const ps = psRows(dc.ok(['ps']).stdout);
      assert.match(ps.get(`${project}_web_1`) ?? '', new RegExp(`\\sUp.*127\\.0\\.0\\.1:${port}->80/tcp$`));
      assert.match(ps.get(`${project}_worker_1`) ?? '', /\sUp\s*$/);
      assert.equal(await httpGet(port, '/'), 'hello from the bind mount\n');
      assert.match(dc.ok(['logs', '--no-color', 'worker']).stdout, /worker_1\s+\| howdy\n/);

      // A changed env file changes the config hash: compose recreates both services, the named volume stays.
      writeFileSync(join(dir, 'app.env'), 'GREETING=howdy\nMODE=second\n');
      const again = dc.ok(['up', '-d']);
      assert.match(again.stderr, new RegExp(`Recreating ${project}_web_1 \\.\\.\\. done`));
      // (Version 1: the anonymous /data volume, handed over by compose from the old container.)
      assert.equal(dc.ok(['exec', '-T', 'web', 'sh', '-c', 'echo $MODE; wc -l < /data/boots']).stdout, 'second\n2\n');
      assert.equal(dc.ok(['run', '--rm', '-T', 'worker', 'sh', '-c', 'echo "run $MODE"']).stdout, 'run second\n');
      assert.equal(dc.ok(['port', 'web', '80']).stdout, `127.0.0.1:${port}\n`);

      dc.ok(['down', '-v']);
      assert.deepEqual(await projectLeft(d, project), { containers: 0, volumes: [], networks: [] });
      if (version === '1') {
        // compose handed the old container's anonymous volume to the new one by name: as with
        // moby (removeMountPoints keeps volumes named in the spec), `rm -v` leaves it.
        const all = (await d.client.json<{ Volumes: { Name: string; Labels: Record<string, string> | null }[] | null }>('GET', '/volumes'))!.Volumes ?? [];
        const left = all.filter((v) => v.Labels && 'com.docker.volume.anonymous' in v.Labels);
        assert.equal(left.length, 1, JSON.stringify(all));
        await d.client.json('DELETE', `/volumes/${left[0]!.Name}`);
      }
    });
  }
});
