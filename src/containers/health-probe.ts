/**
 * One healthcheck probe, as moby's `cmdProbe.run` (daemon/health.go): an exec in the container
 * (the container's user and working directory, no TTY, no stdin) whose stdout and stderr are
 * kept up to 4096 bytes. Its timeout counts from the moment the process runs; a probe past it is
 * killed (with what it started) and fails with moby's message. The exec is forgotten once it ends.
 */
import { goDuration } from '../base/duration.js';
import type { AttachSocket } from '../runtime/index.js';
import type { ExecConfig, ExecService } from './exec-service.js';
import type { ContainerRecord } from './types.js';

/** What a probe needs of the exec machinery. */
export type ProbeExecs = Pick<ExecService, 'create' | 'start' | 'kill' | 'discard' | 'reapProbes'>;

export interface ProbeOutcome {
  exitCode: number;
  output: string;
}

/** moby's `maxOutputLen`. */
const MAX_OUTPUT = 4096;
/** How long starting the exec may take before the probe fails (moby: 30 s, not part of the timeout). */
const START_TIMEOUT_MS = 30_000;
/** After the exit, how long the output may still be in flight on the attach socket. */
const DRAIN_MS = 1000;
/** After a kill, how long to wait for the exit before giving up on it. */
const KILL_WAIT_MS = 10_000;

/** moby's `limitedBuffer`: keeps the first 4096 bytes, and says so with "..." when it dropped some. */
export class LimitedOutput {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private truncated = false;

  write(data: Buffer): void {
    const keep = Math.min(MAX_OUTPUT - this.size, data.length);
    if (keep > 0) {
      this.chunks.push(Buffer.from(data.subarray(0, keep)));
      this.size += keep;
    }
    if (keep < data.length) this.truncated = true;
  }

  toString(): string {
    const out = Buffer.concat(this.chunks).toString('utf8');
    return this.truncated ? `${out}...` : out;
  }
}

interface Waiter<T> {
  promise: Promise<T>;
  cancel: () => void;
}

/** Resolves with `value` after `ms` (at most setTimeout's range); never holds the daemon up. */
function timer<T>(ms: number, value: T): Waiter<T> {
  let t: NodeJS.Timeout | undefined;
  const promise = new Promise<T>((resolve) => {
    t = setTimeout(() => resolve(value), Math.min(ms, 2 ** 31 - 1));
    t.unref();
  });
  return { promise, cancel: () => clearTimeout(t) };
}

/** Resolves when `signal` aborts; `cancel` drops the listener (one signal serves many probes). */
function aborted(signal: AbortSignal): Waiter<'aborted'> {
  let cancel = (): void => {};
  const promise = new Promise<'aborted'>((resolve) => {
    if (signal.aborted) return resolve('aborted');
    const on = (): void => resolve('aborted');
    signal.addEventListener('abort', on, { once: true });
    cancel = () => signal.removeEventListener('abort', on);
  });
  return { promise, cancel };
}

/** The first of `waits` to settle; every waiter is cancelled after. */
async function first<T>(...waits: (Promise<T> | Waiter<T>)[]): Promise<T> {
  try {
    return await Promise.race(waits.map((w) => (w instanceof Promise ? w : w.promise)));
  } finally {
    for (const w of waits) if (!(w instanceof Promise)) w.cancel();
  }
}

/**
 * Runs the probe `argv` in the running container. Resolves with its outcome, or `undefined`
 * when `signal` ended it early (the container stopped or paused: the result counts for nothing).
 */
export async function runProbe(execs: ProbeExecs, rec: ContainerRecord, argv: string[], timeoutNs: number, signal: AbortSignal): Promise<ProbeOutcome | undefined> {
  if (argv.length === 0) return { exitCode: -1, output: `healthcheck for container ${rec.id} has no command` };
  const output = new LimitedOutput();
  let drained: () => void = () => {};
  const outputDone = new Promise<void>((resolve) => (drained = resolve));
  const config: ExecConfig = {
    cmd: argv,
    env: [],
    user: rec.config.user,
    workingDir: rec.config.workingDir,
    tty: false,
    privileged: false,
    attachStdin: false,
    attachStdout: true,
    attachStderr: true,
    detachKeys: '',
    consoleSize: undefined,
  };
  let execId: string | undefined;
  try {
    execId = execs.create(rec.id, config, { probe: true });
    const attach = (socket: AttachSocket): void => {
      socket.onOutput((_stream, data) => output.write(data));
      socket.onClose(drained);
    };
    const starting = execs.start(execId, { attach });
    const started = await first<Awaited<typeof starting> | 'timeout' | 'aborted'>(starting, timer(START_TIMEOUT_MS, 'timeout'), aborted(signal));
    if (started === 'timeout' || started === 'aborted') {
      // A start that completes after all is ended at once; its record goes with it.
      const id = execId;
      void starting.then(
        async (s) => {
          await execs.kill(id);
          await s.exitCode.catch(() => {});
          execs.discard(id);
        },
        () => execs.discard(id),
      );
      execId = undefined;
      return started === 'aborted' ? undefined : { exitCode: -1, output: `timed out starting health check for container ${rec.id}` };
    }
    const ended = await first<number | 'timeout' | 'aborted'>(started.exitCode, timer(timeoutNs / 1_000_000, 'timeout'), aborted(signal));
    if (typeof ended === 'number') {
      await first(outputDone, timer(DRAIN_MS, undefined));
      return { exitCode: ended, output: output.toString() };
    }
    await execs.kill(execId);
    await first(started.exitCode.catch(() => 0), timer(KILL_WAIT_MS, 0));
    if (ended === 'aborted') return undefined;
    const out = output.toString();
    const limit = goDuration(timeoutNs);
    return { exitCode: -1, output: out ? `Health check exceeded timeout (${limit}): ${out}` : `Health check exceeded timeout (${limit})` };
  } catch (err) {
    return signal.aborted ? undefined : { exitCode: -1, output: (err as Error).message };
  } finally {
    if (execId !== undefined) execs.discard(execId);
  }
}
