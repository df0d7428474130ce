/**
 * The client side of an attached container, as docker/cli's hijackedIOStreamer, MonitorTtySize
 * and ForwardAllSignals do it: output to stdout/stderr (demultiplexed unless a TTY), the
 * terminal in raw mode while stdin feeds a TTY, stdin forwarded until EOF (then a half-close),
 * the detach keys caught on the client, window size changes and signals passed on.
 */
import type { Duplex } from 'node:stream';
import { copyRaw, demultiplex, type ApiClient, type OutputSink } from '../client/index.js';

export interface StreamOptions {
  /** The upgraded attach connection. */
  socket: Duplex;
  /** The container's Config.Tty: raw output instead of stdcopy frames. */
  tty: boolean;
  /** Forward this process's stdin. */
  stdin: boolean;
  /** Print the container's stdout / stderr (docker prints neither when it attached none). */
  stdout: boolean;
  stderr: boolean;
  /** `--detach-keys` (default ctrl-p,ctrl-q); only watched for with a TTY, as docker does. */
  detachKeys?: string | undefined;
}

/** How the attachment ended: the output stream closed, or the user typed the detach keys. */
export type StreamEnd = 'done' | 'detached';

/** A sink writing to a process stream, waiting for 'drain' when it is a pipe that filled up. */
function sinkFor(out: NodeJS.WriteStream): OutputSink {
  return (data) => {
    if (out.write(data)) return;
    return new Promise<void>((resolve) => out.once('drain', resolve));
  };
}

/**
 * Runs the attached streams until the container's output ends (or the user detaches). Restores
 * the terminal and lets go of stdin on the way out, so the process can exit.
 * @throws Error when the output stream fails (an in-band daemon error, a broken connection).
 */
export async function streamAttached(o: StreamOptions): Promise<StreamEnd> {
  // Touched only when needed: a stdin handle, once made, may hold the process open.
  const stdin = o.stdin ? process.stdin : undefined;
  const raw = Boolean(stdin?.isTTY) && o.tty;
  let restored = false;
  const restore = (): void => {
    if (restored) return;
    restored = true;
    if (!stdin) return;
    if (raw) stdin.setRawMode(false);
    stdin.off('data', onData);
    stdin.off('end', onEnd);
    stdin.pause();
    // A pipe or terminal read handle keeps the event loop alive; it is of no more use.
    stdin.destroy();
  };

  let detach: () => void = () => {};
  const detached = new Promise<StreamEnd>((resolve) => {
    detach = () => resolve('detached');
  });
  const scanner = o.tty ? new EscapeScanner(parseDetachKeys(o.detachKeys)) : undefined;
  const onData = (chunk: Buffer): void => {
    if (!scanner) {
      o.socket.write(chunk);
      return;
    }
    const { pass, escaped } = scanner.push(chunk);
    if (pass.length) o.socket.write(pass);
    if (escaped) detach();
  };
  const onEnd = (): void => {
    // stdin's EOF: half-close so the daemon closes the container's stdin (StdinOnce).
    o.socket.end();
  };

  if (stdin) {
    if (raw) makeRaw(stdin);
    stdin.on('data', onData);
    stdin.on('end', onEnd);
    stdin.resume();
  } else {
    // Nothing to send: tell the daemon at once, as docker's CloseWrite does.
    o.socket.end();
  }

  const sink = (want: boolean, out: NodeJS.WriteStream): OutputSink => (want ? sinkFor(out) : () => {});
  const output = (async (): Promise<StreamEnd> => {
    if (o.tty) await copyRaw(o.socket, sink(o.stdout, process.stdout));
    else await demultiplex(o.socket, sink(o.stdout, process.stdout), sink(o.stderr, process.stderr));
    return 'done';
  })();
  try {
    // The daemon closing the output (the container is done) or the detach keys end it.
    return await Promise.race([output, detached]);
  } finally {
    restore();
    o.socket.destroy();
    output.catch(() => {});
  }
}

/**
 * Raw mode as moby/term's MakeRaw sets it. Node's raw mode keeps output post-processing
 * (OPOST/ONLCR), so the container's `\r\n` would reach the screen as `\r\r\n`; docker clears
 * OPOST, and so does `stty` here. `setRawMode(false)` restores the terminal as it was before.
 */
function makeRaw(stdin: NodeJS.ReadStream): void {
  stdin.setRawMode(true);
  process.getBuiltinModule('node:child_process').spawnSync('stty', ['-opost'], { stdio: ['inherit', 'ignore', 'ignore'] });
}

/**
 * `term.ToBytes`: `ctrl-p,ctrl-q` style detach keys to bytes; docker falls back to ctrl-p,ctrl-q
 * when the sequence is invalid.
 */
export function parseDetachKeys(keys: string | undefined): Buffer {
  const fallback = Buffer.from([16, 17]);
  if (!keys) return fallback;
  const out: number[] = [];
  for (const key of keys.split(',')) {
    const k = key.trim();
    if (k.length > 1 && !k.toLowerCase().startsWith('ctrl-')) return fallback;
    if (k.length === 1) {
      out.push(k.charCodeAt(0));
      continue;
    }
    const c = k.slice(5).toLowerCase();
    if (c.length !== 1) return fallback;
    // ctrl-@ is 0, ctrl-a..ctrl-z 1..26, then ctrl-[ ctrl-\ ctrl-] ctrl-^ ctrl-_ 27..31.
    const code = '@abcdefghijklmnopqrstuvwxyz[\\]^_'.indexOf(c);
    if (code < 0) return fallback;
    out.push(code);
  }
  return out.length ? Buffer.from(out) : fallback;
}

/**
 * moby/term's EscapeProxy: bytes matching the start of the detach sequence are held back; the
 * whole sequence detaches, a mismatch lets the held bytes through.
 */
export class EscapeScanner {
  private held = 0;

  constructor(private readonly keys: Buffer) {}

  push(chunk: Buffer): { pass: Buffer; escaped: boolean } {
    const pass: number[] = [];
    for (const b of chunk) {
      if (b === this.keys[this.held]) {
        this.held++;
        if (this.held === this.keys.length) return { pass: Buffer.from(pass), escaped: true };
        continue;
      }
      for (let i = 0; i < this.held; i++) pass.push(this.keys[i]!);
      this.held = 0;
      if (b === this.keys[0]) this.held = 1;
      else pass.push(b);
    }
    return { pass: Buffer.from(pass), escaped: false };
  }
}

/**
 * Keeps the container's TTY the size of this terminal: now, and on every SIGWINCH (Node's
 * 'resize'). Like docker's initTtySize, the first resize is retried a few times, since the
 * process may not have its TTY yet. Returns the function that stops watching.
 */
export function monitorTtySize(client: ApiClient, path: string, initialBump = false): () => void {
  const out = process.stdout;
  const resize = async (bump = 0): Promise<void> => {
    const h = (out.rows || 0) + bump;
    const w = (out.columns || 0) + bump;
    if (h === 0 && w === 0) return;
    await client.call('POST', path, { query: { h, w } });
  };
  const first = async (): Promise<void> => {
    // `attach` first sets a size one larger, so the process sees a change even at the same size.
    if (initialBump) await resize(1).catch(() => {});
    for (let retry = 0; retry <= 10; retry++) {
      try {
        await resize();
        return;
      } catch {
        await new Promise((r) => setTimeout(r, (retry + 1) * 10));
      }
    }
    process.stderr.write('failed to resize tty, using default size\n');
  };
  void first();
  const onResize = (): void => {
    resize().catch(() => {});
  };
  out.on('resize', onResize);
  return () => out.off('resize', onResize);
}

/** Signals docker's sig-proxy forwards (it takes every catchable one; these are the ones people send). */
const PROXIED_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

/** `--sig-proxy`: signals this process receives go to the container. Returns the undo. */
export function forwardSignals(client: ApiClient, id: string): () => void {
  const handlers = PROXIED_SIGNALS.map((sig) => {
    const h = (): void => {
      client.call('POST', `/containers/${id}/kill`, { query: { signal: sig.slice(3) } }).catch(() => {});
    };
    process.on(sig, h);
    return [sig, h] as const;
  });
  return () => {
    for (const [sig, h] of handlers) process.off(sig, h);
  };
}
