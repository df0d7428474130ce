/**
 * The classic builder's output, in order. Stages that build concurrently each write to a section;
 * a section's messages reach the client once every earlier section is done, so the stream reads
 * as if the stages had run one after another (as they do in Docker's classic builder).
 */
import type { ProgressEvent } from '../../base/progress.js';
import type { BuildSink } from './types.js';

type Message = { stream: string } | { aux: unknown } | { progress: ProgressEvent };

export class OrderedOutput {
  private readonly sections: Section[] = [];

  constructor(private readonly sink: BuildSink) {}

  /** A new section after all existing ones. */
  section(): Section {
    const s = new Section(this);
    this.sections.push(s);
    if (this.sections.length === 1) s.goLive();
    return s;
  }

  /** @internal */
  deliver(m: Message): void {
    if ('stream' in m) this.sink.stream(m.stream);
    else if ('aux' in m) this.sink.aux(m.aux);
    else this.sink.progress(m.progress);
  }

  /** @internal: the head section finished; the next ones become live in turn. */
  advance(): void {
    while (this.sections.length > 0 && this.sections[0]!.isDone) {
      this.sections.shift();
      this.sections[0]?.goLive();
    }
  }
}

/** Docker's stdout/stderr formatting for one stage (or the build's own lines). */
export class Section implements BuildSink {
  private buffer: Message[] | undefined = [];
  private done = false;

  constructor(private readonly owner: OrderedOutput) {}

  get isDone(): boolean {
    return this.done;
  }

  /** @internal */
  goLive(): void {
    const pending = this.buffer ?? [];
    this.buffer = undefined;
    for (const m of pending) this.owner.deliver(m);
    if (this.done) this.owner.advance();
  }

  private put(m: Message): void {
    if (this.buffer) this.buffer.push(m);
    else this.owner.deliver(m);
  }

  stream(text: string): void {
    this.put({ stream: text });
  }

  /** Builder messages (moby's Stdout formatter: one message per write). */
  out(text: string): void {
    this.put({ stream: text });
  }

  /** A RUN step's stderr, colored as moby's stderr formatter does. */
  err(text: string): void {
    this.put({ stream: `\x1b[91m${text}\x1b[0m` });
  }

  aux(value: unknown): void {
    this.put({ aux: value });
  }

  progress(e: ProgressEvent): void {
    this.put({ progress: e });
  }

  /** Ends the section: its buffered messages (and later sections') go out when it is the head. */
  close(): void {
    if (this.done) return;
    this.done = true;
    if (this.buffer === undefined) this.owner.advance();
  }
}
