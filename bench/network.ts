/**
 * Networking costs, in one run: TCP throughput and connections per second to a container's web
 * server through a published port (loopback: the userland proxy; the bridge's gateway address:
 * the CNI portmap DNAT) against straight to the container's address; and the start latency of
 * `docker run --rm busybox true` on the default bridge against `--network none`.
 * Run as root after `npm run up`: `npm run bench:network`.
 */
import { spawnSync } from 'node:child_process';
import { request, Agent } from 'node:http';
import { busyboxRootfs, docker, startDaemon } from '../test/helpers/daemon.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 10);
const MB = Number(process.env.BENCH_MB ?? 200);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;

/** MB/s of one download of the big file (median of 3). */
function throughput(url: string): number {
  const speeds: number[] = [];
  for (let i = 0; i < 3; i++) {
    const r = spawnSync('curl', ['-s', '-o', '/dev/null', '-w', '%{speed_download}', url]);
    speeds.push(Number(r.stdout.toString()) / 1e6);
  }
  return median(speeds);
}

/** New TCP connections per second, each one HTTP GET of a small file, 8 at a time for 2 s. */
async function connectionsPerSecond(host: string, port: number): Promise<number> {
  const agent = new Agent({ keepAlive: false, maxSockets: 8 });
  const end = Date.now() + 2000;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (Date.now() < end) {
      await new Promise<void>((resolve, reject) => {
        const req = request({ host, port, path: '/small', agent }, (res) => {
          res.resume();
          res.on('end', resolve);
        });
        req.on('error', reject);
        req.end();
      });
      done++;
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  agent.destroy();
  return done / 2;
}

const d = await startDaemon();
const dk = (args: string[], input?: Buffer): string => {
  const r = docker(d.host, args, input);
  if (r.code !== 0) throw new Error(`docker ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};
try {
  dk(['import', '-c', 'CMD ["sh"]', '-', 'busybox:latest'], busyboxRootfs());
  dk(['run', '-d', '--name', 'web', '--tmpfs', '/www:size=1g', '-p', '18580:80', 'busybox', 'sh', '-c', `dd if=/dev/zero of=/www/big bs=1M count=${MB} 2>/dev/null; echo hi > /www/small; exec httpd -f -p 80 -h /www`]);
  for (let i = 0; i < 50 && spawnSync('curl', ['-sf', 'http://127.0.0.1:18580/small']).status !== 0; i++) spawnSync('sleep', ['0.2']);
  const ip = dk(['inspect', '-f', '{{.NetworkSettings.IPAddress}}', 'web']).trim();
  const gateway = dk(['inspect', '-f', '{{.NetworkSettings.Gateway}}', 'web']).trim();
  const paths: [string, string, number][] = [
    ['straight to the container', ip, 80],
    ['published, via loopback (proxy)', '127.0.0.1', 18580],
    ['published, via the gateway (DNAT)', gateway, 18580],
  ];
  const rows: string[] = [];
  const direct = { mbs: 0, cps: 0 };
  for (const [name, host, port] of paths) {
    const mbs = throughput(`http://${host}:${port}/big`);
    const cps = await connectionsPerSecond(host, port);
    if (!direct.mbs) Object.assign(direct, { mbs, cps });
    rows.push(`${name.padEnd(36)} ${mbs.toFixed(0).padStart(6)} MB/s (${(mbs / direct.mbs).toFixed(2)}x)   ${cps.toFixed(0).padStart(6)} conn/s (${(cps / direct.cps).toFixed(2)}x)`);
  }
  dk(['rm', '-f', 'web']);

  const bridge: number[] = [];
  const none: number[] = [];
  dk(['run', '--rm', 'busybox', 'true']);
  for (let i = 0; i < RUNS; i++) {
    let t0 = process.hrtime.bigint();
    dk(['run', '--rm', 'busybox', 'true']);
    bridge.push(ms(t0));
    t0 = process.hrtime.bigint();
    dk(['run', '--rm', '--network', 'none', 'busybox', 'true']);
    none.push(ms(t0));
  }
  console.log(`TCP to a container's httpd (${MB} MB download; 8 concurrent clients for connections)`);
  for (const r of rows) console.log(r);
  console.log(`docker run --rm busybox true, median of ${RUNS}: bridge ${median(bridge).toFixed(0)} ms, --network none ${median(none).toFixed(0)} ms, bridge costs ${(median(bridge) - median(none)).toFixed(0)} ms`);
} finally {
  await d.cleanup();
}
