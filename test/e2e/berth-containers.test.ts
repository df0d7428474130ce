import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { BERTH, berth, busyboxRootfs, isRoot, NODE, startDaemon, type TestDaemon } from '../helpers/daemon.js';

const hasScript = spawnSync('script', ['--version']).status === 0;

/** What `berth ps --format '{{json .}}'` prints for a container: docker 28's ContainerContext fields. */
const PS_JSON_KEYS = ['Command', 'CreatedAt', 'ID', 'Image', 'Labels', 'LocalVolumes', 'Mounts', 'Names', 'Networks', 'Platform', 'Ports', 'RunningFor', 'Size', 'State', 'Status'];

describe('the berth CLI runs containers as the docker CLI does', { skip: !isRoot }, () => {
  let d: TestDaemon;
  const b = (args: string[], input?: Buffer | string) => berth(d.host, args, input);
  const ok = (args: string[], input?: Buffer | string): string => {
    const r = b(args, input);
    assert.equal(r.code, 0, `berth ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  /** Polls (briefly) until `check` holds for the command's output. */
  const eventually = (args: string[], check: (out: string) => boolean): string => {
    let out = '';
    for (let i = 0; i < 50; i++) {
      out = ok(args);
      if (check(out)) return out;
      spawnSync('sleep', ['0.1']);
    }
    assert.fail(`berth ${args.join(' ')} never matched; last output: ${out}`);
  };

  before(async () => {
    d = await startDaemon();
    ok(['import', '-c', 'CMD ["sh"]', '-', 'busybox:latest'], busyboxRootfs());
  });
  after(async () => {
    await d.cleanup();
  });

  test('run prints the output, exits with the container code, and 127 when the command is missing', () => {
    const hello = b(['run', '--rm', 'busybox', 'echo', 'hello', 'world']);
    assert.deepEqual(hello, { code: 0, stdout: 'hello world\n', stderr: '' });
    const three = b(['run', '--rm', 'busybox', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    assert.deepEqual(three, { code: 3, stdout: 'out\n', stderr: 'err\n' });
    const missing = b(['run', '--rm', 'busybox', 'nosuchcmd']);
    assert.equal(missing.code, 127);
    assert.equal(missing.stdout, '');
    assert.match(missing.stderr, /^berth: Error response from daemon: .*exec: "nosuchcmd": executable file not found in \$PATH.*\n\nRun 'berth run --help' for more information\n$/);
    // -d prints the full ID at once; the container runs on.
    const id = ok(['run', '-d', '--rm', 'busybox', 'true']).trim();
    assert.match(id, /^[0-9a-f]{64}$/);
  });

  test('run -i feeds piped stdin, and -it gives the process a terminal', { skip: !hasScript }, async () => {
    assert.equal(ok(['run', '--rm', '-i', 'busybox', 'tr', 'a-z', 'A-Z'], 'hello\n'), 'HELLO\n');
    // `script` gives berth a pty as stdin and stdout, as a terminal would; keystrokes go once the prompt is up.
    const child = spawn('script', ['-qfec', `${NODE} ${BERTH} -H ${d.host} run -it --rm busybox sh`, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    let out = '';
    let typed = false;
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (!typed && out.includes('# ')) {
        typed = true;
        child.stdin.write('tty; echo $((6*7)); exit 5\r');
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    clearTimeout(killer);
    child.stdin.destroy();
    assert.match(out, /\/dev\/pts\/\d+/, out);
    assert.match(out, /\r\n42\r\n/, out);
    assert.equal(code, 5, out);
  });

  test('detached containers: ps table, --format, -q and filters, logs, inspect, stop, kill, rm', () => {
    const id = ok(['run', '-d', '--name', 'web', '-l', 'role=test', 'busybox', 'sh', '-c', 'trap "exit 7" TERM; echo started; while true; do sleep 0.1; done']).trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    const short = id.slice(0, 12);

    // docker's default table: the header cells, each column aligned with its row cell.
    const [header = '', row = '', ...rest] = ok(['ps']).split('\n');
    assert.deepEqual(rest, ['']);
    assert.deepEqual(header.split(/ {2,}/), ['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES']);
    assert.ok(row.startsWith(`${short}   busybox   "sh -c trap \\"exit 7\\"…"   `), row);
    assert.equal(row.indexOf('busybox'), header.indexOf('IMAGE'));
    assert.equal(row.indexOf('"sh'), header.indexOf('COMMAND'));
    assert.equal(row.indexOf('Up '), header.indexOf('STATUS'));
    assert.equal(row.lastIndexOf('web'), header.indexOf('NAMES'));
    assert.match(row.slice(header.indexOf('CREATED')), /^(Less than a second|\d+ seconds?) ago/);

    assert.match(ok(['ps', '--format', '{{.ID}} {{.Names}} {{.Status}} {{.Label "role"}}']), new RegExp(`^${short} web Up .+ test\\n$`));
    assert.equal(ok(['container', 'ls', '--format', 'table {{.Names}}\t{{.Image}}']), 'NAMES     IMAGE\nweb       busybox\n');
    const json = JSON.parse(ok(['ps', '--format', '{{json .}}'])) as Record<string, unknown>;
    assert.deepEqual(Object.keys(json), PS_JSON_KEYS);
    assert.equal(json.Command, '"sh -c trap \\"exit 7\\"…"');
    assert.equal(json.State, 'running');
    assert.equal(ok(['ps', '-q']), `${short}\n`);
    assert.equal(ok(['ps', '-q', '--no-trunc']), `${id}\n`);
    assert.equal(ok(['ps', '-q', '--filter', 'label=role=test', '--filter', 'name=web']), `${short}\n`);
    assert.equal(ok(['ps', '-q', '--filter', 'status=exited']), '');

    eventually(['logs', 'web'], (out) => out === 'started\n');
    assert.match(ok(['logs', '--tail', '1', '-t', 'web']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z started\n$/);
    assert.equal(ok(['logs', '--tail', '0', 'web']), '');
    assert.equal(ok(['inspect', '-f', '{{.State.Status}} {{.Name}}', 'web']), 'running /web\n');

    // stop sends SIGTERM: the trap's exit code is what ps -a and inspect report.
    assert.equal(ok(['stop', 'web']), 'web\n');
    assert.match(ok(['ps', '-a', '--filter', 'name=web', '--format', '{{.Status}}']), /^Exited \(7\) .*ago\n$/);
    assert.equal(ok(['inspect', '-f', '{{.State.ExitCode}}', 'web']), '7\n');
    assert.equal(ok(['ps', '-q']), '');
    assert.equal(ok(['rm', 'web']), 'web\n');
    const gone = b(['inspect', 'web']);
    assert.equal(gone.code, 1);
    assert.equal(gone.stderr, 'Error: No such object: web\n');

    // kill sends SIGKILL (137); wait prints the code; rm refuses a running container, rm -f does not.
    ok(['run', '-d', '--name', 'sleeper', 'busybox', 'sleep', '30']);
    assert.equal(ok(['kill', 'sleeper']), 'sleeper\n');
    assert.equal(ok(['wait', 'sleeper']), '137\n');
    assert.match(ok(['ps', '-a', '--format', '{{.Names}} {{.Status}}']), /^sleeper Exited \(137\) /);
    ok(['start', 'sleeper']);
    const busy = b(['rm', 'sleeper']);
    assert.equal(busy.code, 1);
    assert.match(busy.stderr, /^Error response from daemon: .*stop the container before removing or force remove\n$/);
    assert.equal(ok(['rm', '-f', 'sleeper']), 'sleeper\n');
    const missing = b(['rm', 'sleeper']);
    assert.deepEqual(missing, { code: 1, stdout: '', stderr: 'Error response from daemon: No such container: sleeper\n' });
  });

  test('errors: name conflicts and unknown images exit 125 with docker’s messages', () => {
    ok(['create', '--name', 'taken', 'busybox', 'true']);
    const dup = b(['run', '--name', 'taken', 'busybox', 'true']);
    assert.equal(dup.code, 125);
    assert.match(dup.stderr, /^berth: Error response from daemon: Conflict\. The container name "\/taken" is already in use by container "[0-9a-f]{64}"/);
    // create reports the daemon's refusal with exit 1, as docker create does.
    const dupCreate = b(['create', '--name', 'taken', 'busybox', 'true']);
    assert.equal(dupCreate.code, 1);
    assert.match(dupCreate.stderr, /^Error response from daemon: Conflict\./);
    const img = b(['run', '--rm', 'nosuchimage:1.0', 'true']);
    assert.equal(img.code, 125);
    assert.match(img.stderr, /^Unable to find image 'nosuchimage:1\.0' locally\nberth: Error response from daemon: .+\n\nRun 'berth run --help' for more information\n$/);
    const mem = b(['run', '--rm', '-m', 'lots', 'busybox', 'true']);
    assert.equal(mem.code, 125);
    assert.match(mem.stderr, /invalid argument "lots" for "-m, --memory" flag: invalid size: 'lots'/);
    assert.equal(ok(['rm', 'taken']), 'taken\n');
    // Everything the tests made is gone.
    assert.equal(ok(['ps', '-aq']), '');
  });
});
