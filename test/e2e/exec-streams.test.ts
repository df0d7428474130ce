import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { busyboxRootfs, cliFor, docker, isRoot, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { demux, jsonAt, rawExchange } from '../helpers/raw-http.js';

const hasDocker = docker('unix:///nonexistent', ['--version']).code === 0;
const MUX = 'application/vnd.docker.multiplexed-stream';
const RAW = 'application/vnd.docker.raw-stream';
const CMD = ['sh', '-c', 'echo hello out; sleep 0.2; echo hello err >&2'];

describe('exec streams: raw with a TTY, framed without, as the start request asks', { skip: !isRoot || !hasDocker }, () => {
  let d: TestDaemon;
  const { run: dk, ok } = cliFor('docker', () => d);
  const execCreate = async (body: Record<string, unknown>): Promise<string> =>
    (await d.client.json<{ Id: string }>('POST', '/containers/ex/exec', { body: { AttachStdout: true, AttachStderr: true, ...body } })).Id;
  const exitCode = async (id: string, version: string): Promise<number> => (await jsonAt<{ ExitCode: number }>(d.socket, version, 'GET', `/exec/${id}/json`)).json.ExitCode;
  const execStart = (id: string, tty: boolean, version: string, upgrade: boolean) => rawExchange(d.socket, 'POST', `/${version}/exec/${id}/start`, { Tty: tty }, { upgrade });

  before(async () => {
    d = await startDaemon();
    ok(['import', '-c', 'CMD ["sh"]', '-', 'busybox:latest'], busyboxRootfs());
    ok(['run', '-d', '--name', 'ex', 'busybox', 'sleep', '300']);
  });
  after(async () => {
    await d.cleanup();
  });

  test('docker exec -t gets the raw terminal output; without -t, stdout and stderr apart', () => {
    const tty = dk(['exec', '-t', 'ex', ...CMD]);
    assert.equal(tty.code, 0, tty.stderr);
    assert.equal(tty.stdout, 'hello out\r\nhello err\r\n');
    const plain = dk(['exec', 'ex', ...CMD]);
    assert.equal(plain.stdout, 'hello out\n');
    assert.equal(plain.stderr, 'hello err\n');
  });

  test('a TTY exec started with Tty false is framed (docker-py), on upgraded and plain connections', async () => {
    for (const [version, upgrade, type] of [['v1.41', true, RAW], ['v1.50', true, MUX], ['v1.50', false, RAW]] as const) {
      const reply = await execStart(await execCreate({ Tty: true, Cmd: CMD }), false, version, upgrade);
      assert.equal(reply.status, upgrade ? 101 : 200);
      // moby names the framing in the upgraded reply from API 1.42; a plain reply always says raw.
      assert.equal(reply.headers['content-type'], type, `${version} upgrade=${upgrade}`);
      // The TTY merges stderr into its output: all of it on stdout.
      const frames = demux(reply.body);
      assert.deepEqual(new Set(frames.map((f) => f.stream)), new Set([1]), `${version} upgrade=${upgrade}`);
      assert.equal(frames.map((f) => f.data).join(''), 'hello out\r\nhello err\r\n');
    }
  });

  test('started with Tty true the stream is raw, upgraded or not', async () => {
    for (const upgrade of [true, false]) {
      const reply = await execStart(await execCreate({ Tty: true, Cmd: CMD }), true, 'v1.50', upgrade);
      assert.equal(reply.headers['content-type'], RAW);
      assert.equal(reply.body.toString(), 'hello out\r\nhello err\r\n', `upgrade=${upgrade}`);
    }
    // Without a TTY, framed with both streams apart.
    const frames = demux((await execStart(await execCreate({ Cmd: CMD }), false, 'v1.50', true)).body);
    assert.equal(frames.filter((f) => f.stream === 1).map((f) => f.data).join(''), 'hello out\n');
    assert.equal(frames.filter((f) => f.stream === 2).map((f) => f.data).join(''), 'hello err\n');
  });

  test('detach keys come from any-case JSON keys and end a TTY exec\'s connection, not the exec', async () => {
    const id = await execCreate({ Tty: true, AttachStdin: true, Cmd: ['cat'], detachKeys: 'ctrl-x' });
    const info = await d.client.json<{ DetachKeys: string }>('GET', `/exec/${id}/json`);
    assert.equal(info.DetachKeys, 'ctrl-x');
    // The daemon closes the connection on ctrl-x: the exchange ends by itself.
    const reply = await rawExchange(d.socket, 'POST', `/v1.50/exec/${id}/start`, { Tty: true }, { upgrade: true, input: [Buffer.from('hi'), Buffer.from('\x18')], inputDelayMs: 500 });
    assert.equal(reply.status, 101);
    assert.match(reply.body.toString(), /hi/);
    assert.equal((await d.client.json<{ Running: boolean }>('GET', `/exec/${id}/json`)).Running, true);
  });

  test('an exec that cannot start: 127 for a missing command (moby 28), 126 for API clients before 1.48', async () => {
    const id = await execCreate({ Cmd: ['no-such-command'] });
    const reply = await execStart(id, false, 'v1.50', true);
    assert.match(demux(reply.body).map((f) => f.data).join(''), /executable file not found/);
    assert.equal(await exitCode(id, 'v1.50'), 127);
    assert.equal(await exitCode(id, 'v1.41'), 126);
    assert.equal(dk(['exec', 'ex', 'no-such-command']).code, 127);
    // One that ran keeps its own code at every version.
    const ran = await execCreate({ Cmd: ['sh', '-c', 'exit 127'] });
    await execStart(ran, false, 'v1.41', true);
    assert.equal(await exitCode(ran, 'v1.41'), 127);
  });
});
