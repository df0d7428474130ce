/**
 * Compose v2's progress lines, as its plain writer prints them (what it prints when stderr is
 * not a terminal): ` Container proj-web-1  Creating`, one line per event, on stderr.
 */
import { ApiError } from '../client/index.js';

export type ResourceKind = 'Container' | 'Network' | 'Volume' | 'Image' | 'Service';

export class Progress {
  constructor(private readonly out: NodeJS.WritableStream) {}

  event(kind: ResourceKind, name: string, status: string): void {
    // Compose v2 quotes volume names; the others print bare.
    const shown = kind === 'Volume' ? JSON.stringify(name) : name;
    this.out.write(` ${kind} ${shown}  ${status}\n`);
  }

  /** The end of a command's progress (the terminal form stops redrawing). */
  done(): void {}

  /** Runs `fn` between a `doing` and a `done` event; on failure the error is the event. */
  async step<T>(kind: ResourceKind, name: string, doing: string, done: string, fn: () => Promise<T>): Promise<T> {
    this.event(kind, name, doing);
    try {
      const r = await fn();
      this.event(kind, name, done);
      return r;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.event(kind, name, err instanceof ApiError ? `Error response from daemon: ${message}` : `Error ${message}`);
      throw err;
    }
  }
}

const DONE = new Set(['Created', 'Started', 'Healthy', 'Running', 'Recreated', 'Stopped', 'Removed', 'Built', 'Pulled', 'Pushed', 'Exited', 'Killed', 'Paused', 'Unpaused']);
const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

interface Line {
  kind: ResourceKind;
  name: string;
  status: string;
  started: number;
  ended?: number;
  failed?: boolean;
}

/**
 * Compose v2's terminal progress: a `[+] Running done/total` title and a line per object,
 * redrawn in place, a spinner on the lines still in progress and ✔ (or ✘) with the time taken.
 */
export class TtyProgress extends Progress {
  private readonly lines: Line[] = [];
  private drawn = 0;
  private frame = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly tty: NodeJS.WritableStream) {
    super(tty);
  }

  override event(kind: ResourceKind, name: string, status: string): void {
    let line = this.lines.find((l) => l.kind === kind && l.name === name);
    if (!line) {
      line = { kind, name, status, started: Date.now() };
      this.lines.push(line);
    }
    line.status = status;
    line.failed = status.startsWith('Error');
    line.ended = DONE.has(status) || line.failed ? Date.now() : undefined;
    if (line.ended === undefined) line.started = line.started || Date.now();
    this.timer ??= setInterval(() => this.draw(), 100).unref();
    this.draw();
  }

  private draw(): void {
    this.frame++;
    const done = this.lines.filter((l) => l.ended !== undefined).length;
    const width = Math.max(...this.lines.map((l) => l.kind.length + 1 + l.name.length));
    const out = [`[+] Running ${done}/${this.lines.length}`];
    for (const l of this.lines) {
      const mark = l.failed ? '✘' : l.ended !== undefined ? '✔' : SPINNER[this.frame % SPINNER.length]!;
      const secs = (((l.ended ?? Date.now()) - l.started) / 1000).toFixed(1);
      out.push(` ${mark} ${`${l.kind} ${l.name}`.padEnd(width)}  ${l.status.padEnd(10)} ${secs}s`);
    }
    const up = this.drawn > 0 ? `\x1b[${this.drawn}A` : '';
    this.tty.write(`${up}${out.map((s) => `\x1b[2K${s}`).join('\n')}\n`);
    this.drawn = out.length;
  }

  /** Stops redrawing; what is on screen stays. */
  override done(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.lines.length) this.draw();
    this.lines.length = 0;
    this.drawn = 0;
  }
}
