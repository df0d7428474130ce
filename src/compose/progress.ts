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
