/**
 * The one connection berthd keeps to a running container's conmon attach socket, shared by every
 * attached client: output fans out to subscribers, stdin from them goes in. One connection
 * because conmon closes a `StdinOnce` container's stdin when any client hangs up.
 */
import type { AttachSocket, OutputStream } from '../runtime/index.js';

export type OutputListener = (stream: OutputStream, data: Buffer) => void;

export class ContainerIO {
  private readonly listeners = new Set<OutputListener>();
  private readonly closeListeners = new Set<() => void>();
  private closed = false;

  constructor(private readonly socket: AttachSocket) {
    socket.onOutput((stream, data) => {
      for (const l of this.listeners) l(stream, data);
    });
    socket.onClose(() => {
      this.closed = true;
      for (const l of this.closeListeners) l();
      this.closeListeners.clear();
      this.listeners.clear();
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  subscribe(out: OutputListener, onClose: () => void): () => void {
    if (this.closed) {
      onClose();
      return () => {};
    }
    this.listeners.add(out);
    this.closeListeners.add(onClose);
    return () => {
      this.listeners.delete(out);
      this.closeListeners.delete(onClose);
    };
  }

  writeStdin(data: Buffer): Promise<void> {
    return this.socket.writeStdin(data);
  }

  closeStdin(): void {
    this.socket.closeStdin();
  }

  close(): void {
    this.socket.close();
  }
}
