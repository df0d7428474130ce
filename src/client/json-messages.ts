import type { Readable } from 'node:stream';

/** One line of Docker's JSON message stream (pull, push, load, import, build). */
export interface JsonMessage {
  status?: string;
  id?: string;
  progress?: string;
  progressDetail?: { current?: number; total?: number };
  stream?: string;
  aux?: Record<string, unknown>;
  error?: string;
  errorDetail?: { message: string; code?: number };
}

/** Parses a JSON message stream line by line as it arrives. */
export async function* readJsonMessages(res: Readable): AsyncGenerator<JsonMessage> {
  let buf = '';
  for await (const chunk of res) {
    buf += (chunk as Buffer).toString('utf8');
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (line) yield JSON.parse(line) as JsonMessage;
    }
  }
  if (buf.trim()) yield JSON.parse(buf.trim()) as JsonMessage;
}
