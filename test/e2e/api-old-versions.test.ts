/**
 * What old API versions (docker-compose 1.x and docker-py pin 1.21 to 1.38) get from a real
 * berthd where moby's routers answer them differently: wait before 1.30, network lists before
 * 1.28, exec start at 1.21, errors in plain text up to 1.23; and the start body every version refuses.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { busyboxRootfs, cliFor, isRoot, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { demux, jsonAt } from '../helpers/raw-http.js';

interface Reply {
  status: number;
  type: string;
  body: string;
  /** The container's state when the status line and headers arrived. */
  stateAtHead?: string;
}

describe('old API versions against berthd', { skip: !isRoot }, () => {
  let d: TestDaemon;
  const { ok } = cliFor('docker', () => d);
  const state = async (name: string): Promise<string> => (await d.client.json<{ State: { Status: string } }>('GET', `/containers/${name}/json`)).State.Status;

  /** One request with exactly these headers and body; `watch` names a container whose state is read when the head arrives. */
  const send = (method: string, path: string, opts: { body?: string; contentType?: string; watch?: string } = {}): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const headers: Record<string, string> = {};
      if (opts.contentType) headers['Content-Type'] = opts.contentType;
      if (opts.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(opts.body));
      const req = request({ socketPath: d.socket, method, path, headers }, (res) => {
        const atHead = opts.watch ? state(opts.watch) : Promise.resolve(undefined);
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          atHead.then((s) => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body: Buffer.concat(chunks).toString('latin1'), ...(s ? { stateAtHead: s } : {}) }), reject);
        });
      });
      req.on('error', reject);
      req.end(opts.body);
    });

  before(async () => {
    d = await startDaemon();
    ok(['import', '-c', 'CMD ["sh"]', '-', 'busybox:latest'], busyboxRootfs());
    ok(['network', 'create', 'oldnet']);
    ok(['run', '-d', '--name', 'steady', '--network', 'oldnet', 'busybox', 'sleep', '300']);
  });
  after(async () => {
    await d.cleanup();
  });

  test('wait: from 1.30 the headers come at once and the condition counts; before, headers with the result and no condition', async () => {
    ok(['run', '-d', '--name', 'brief', 'busybox', 'sh', '-c', 'sleep 2; exit 3']);
    const early = await send('POST', '/v1.30/containers/brief/wait', { watch: 'brief' });
    assert.equal(early.stateAtHead, 'running');
    assert.deepEqual(JSON.parse(early.body), { StatusCode: 3, Error: null });

    ok(['start', 'brief']);
    const late = await send('POST', '/v1.29/containers/brief/wait', { watch: 'brief' });
    assert.equal(late.status, 200);
    assert.equal(late.stateAtHead, 'exited');
    assert.deepEqual(JSON.parse(late.body), { StatusCode: 3, Error: null });

    // Stopped now: next-exit would wait for another run; before 1.30 it is not read, and neither is a bad one.
    assert.equal(await state('brief'), 'exited');
    assert.deepEqual(JSON.parse((await send('POST', '/v1.29/containers/brief/wait?condition=next-exit')).body), { StatusCode: 3, Error: null });
    assert.equal((await send('POST', '/v1.29/containers/brief/wait?condition=bogus')).status, 200);
    const bad = await send('POST', '/v1.30/containers/brief/wait?condition=bogus');
    assert.equal(bad.status, 400);
    assert.deepEqual(JSON.parse(bad.body), { message: 'invalid condition: "bogus"' });
  });

  test('network lists carry their containers before 1.28 only', async () => {
    const id = (await d.client.json<{ Id: string }>('GET', '/containers/steady/json')).Id;
    const list = async (minor: number): Promise<Record<string, unknown>> => {
      const nets = (await jsonAt<{ Name: string; Containers: Record<string, unknown> }[]>(d.socket, `v1.${minor}`, 'GET', '/networks')).json;
      return nets.find((n) => n.Name === 'oldnet')!.Containers;
    };
    const old = await list(27);
    assert.deepEqual(Object.keys(old), [id]);
    assert.equal((old[id] as { Name: string }).Name, 'steady');
    assert.deepEqual(await list(28), {});
  });

  test('exec start reads a body without Content-Type at 1.21 only', async () => {
    const exec = async (): Promise<string> => (await d.client.json<{ Id: string }>('POST', '/containers/steady/exec', { body: { AttachStdout: true, AttachStderr: true, Cmd: ['echo', 'from exec'] } })).Id;
    const started = await send('POST', `/v1.21/exec/${await exec()}/start`, { body: '{"Detach":false,"Tty":false}' });
    assert.equal(started.status, 200, started.body);
    assert.deepEqual(demux(Buffer.from(started.body, 'latin1')), [{ stream: 1, data: 'from exec\n' }]);
    const refused = await send('POST', `/v1.22/exec/${await exec()}/start`, { body: '{"Detach":false,"Tty":false}' });
    assert.equal(refused.status, 400);
    assert.match(refused.body, /Content-Type/);
  });

  test('a host config on start is refused at every version, in plain text up to 1.23', async () => {
    ok(['create', '--name', 'idle', 'busybox', 'true']);
    const body = JSON.stringify({ Binds: ['/tmp:/host'] });
    const message = 'starting container with non-empty request body was deprecated since API v1.22 and removed in v1.24';
    const text = await send('POST', '/v1.23/containers/idle/start', { body, contentType: 'application/json' });
    assert.equal(text.status, 400);
    assert.equal(text.type, 'text/plain; charset=utf-8');
    assert.equal(text.body, `${message}\n`);
    const json = await send('POST', '/v1.24/containers/idle/start', { body, contentType: 'application/json' });
    assert.equal(json.status, 400);
    assert.deepEqual(JSON.parse(json.body), { message });
    assert.equal(await state('idle'), 'created');
    // An empty object is no host config (docker-py 1.x sent one).
    assert.equal((await send('POST', '/v1.21/containers/idle/start', { body: '{}', contentType: 'application/json' })).status, 204);
  });
});
