import type { Readable } from 'node:stream';
import { readJsonMessages, type JsonMessage } from '../client/index.js';

/**
 * Renders a JSON message stream as the docker CLI does: on a terminal, one line per layer id
 * updated in place; otherwise only status lines. Throws on an in-band error.
 */
export async function displayJsonMessages(res: Readable, out: NodeJS.WritableStream, isTTY: boolean, onMessage?: (m: JsonMessage) => void): Promise<void> {
  const lines = new Map<string, number>();
  let total = 0;
  for await (const m of readJsonMessages(res)) {
    onMessage?.(m);
    if (m.error || m.errorDetail) throw new Error(m.errorDetail?.message ?? m.error ?? 'unknown error');
    if (m.stream !== undefined) {
      out.write(m.stream);
      continue;
    }
    if (m.aux !== undefined || m.status === undefined) continue;
    const text = `${m.id ? `${m.id}: ` : ''}${m.status}${m.progress ? ` ${m.progress}` : ''}`;
    if (!isTTY) {
      if (m.progress === undefined) out.write(text + '\n');
      continue;
    }
    if (m.id) {
      const at = lines.get(m.id);
      if (at === undefined) {
        lines.set(m.id, total++);
        out.write(`${text}\x1b[K\n`);
      } else {
        const up = total - at;
        out.write(`\x1b[${up}A\r${text}\x1b[K\x1b[${up}B\r`);
      }
    } else {
      out.write(`${text}\x1b[K\n`);
      total++;
    }
  }
}
