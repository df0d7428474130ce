import type { Readable } from 'node:stream';
import { readJsonMessages, type JsonMessage } from '../client/index.js';

/**
 * Renders a JSON message stream as the docker CLI's jsonmessage does: on a terminal, each id that
 * gets progress updates keeps a line redrawn in place (any message without one ends that block:
 * `pull -a` starts fresh per tag); elsewhere, status lines only, progress bars left out. Aux
 * messages go to `onMessage` only. Throws on an in-band error.
 */
export async function displayJsonMessages(res: Readable, out: NodeJS.WritableStream, isTTY: boolean, onMessage?: (m: JsonMessage) => void): Promise<void> {
  let lines = new Map<string, number>();
  for await (const m of readJsonMessages(res)) {
    onMessage?.(m);
    if (m.error || m.errorDetail) throw new Error(m.errorDetail?.message ?? m.error ?? 'unknown error');
    if (m.aux !== undefined) continue;
    const tracked = m.id !== undefined && m.id !== '' && (m.progressDetail !== undefined || m.progress !== undefined);
    let up = 0;
    if (tracked) {
      let line = lines.get(m.id!);
      if (line === undefined) {
        line = lines.size;
        lines.set(m.id!, line);
        if (isTTY) out.write('\n');
      }
      up = lines.size - line;
      if (isTTY) out.write(`\x1b[${up}A`);
    } else {
      lines = new Map();
    }
    display(m, out, isTTY);
    if (tracked && isTTY) out.write(`\x1b[${up}B`);
  }
}

function hasCounts(m: JsonMessage): boolean {
  return (m.progressDetail?.current ?? 0) > 0 || (m.progressDetail?.total ?? 0) > 0;
}

function display(m: JsonMessage, out: NodeJS.WritableStream, isTTY: boolean): void {
  let endl = '';
  if (isTTY && m.stream === undefined && m.progressDetail !== undefined) {
    out.write('\x1b[2K\r');
    endl = '\r';
  } else if (m.progressDetail !== undefined && hasCounts(m)) {
    // Progress bars only make sense on a terminal.
    return;
  }
  if (m.stream !== undefined) {
    out.write(m.stream + endl);
    return;
  }
  if (m.id) out.write(`${m.id}: `);
  // A redrawn line ends in a carriage return, never a newline: the cursor moves back down after.
  if (endl !== '') out.write(`${m.status ?? ''} ${m.progress ?? ''}${endl}`);
  else if (m.progress) out.write(`${m.status ?? ''} ${m.progress}\n`);
  else out.write(`${m.status ?? ''}\n`);
}
