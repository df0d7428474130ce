/**
 * The OCI runtime's command line (runc, or crun: same verbs), run with berth's own state root so
 * berth never sees Docker's or podman's containers. The only file here that runs the runtime.
 */
import { execFile } from 'node:child_process';
import { BerthError } from '../base/errors.js';
import { removeStoppedRunc } from './runc-state.js';

export interface RuntimeState {
  id: string;
  status: 'creating' | 'created' | 'running' | 'stopped' | 'paused';
  pid: number;
  bundle: string;
}

export interface RuntimeBinary {
  name: string;
  path: string;
  /** Runtime state directory (`--root`). */
  root: string;
}

function run(bin: RuntimeBinary, args: string[], timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(bin.path, ['--root', bin.root, ...args], { timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) {
        reject(new BerthError('Internal', `${bin.name} ${args[0] ?? ''}: ${runtimeMessage(stderr) || err.message}`, { cause: err }));
        return;
      }
      resolve(stdout);
    });
  });
}

/** runc and crun print `time=… level=error msg="…"` or JSON lines; users want the message. */
export function runtimeMessage(stderr: string): string {
  const lines = stderr.trim().split('\n').filter(Boolean);
  const last = lines.at(-1) ?? '';
  try {
    const j = JSON.parse(last) as { msg?: string };
    if (j.msg) return j.msg;
  } catch {
    // not JSON
  }
  const m = /msg="((?:[^"\\]|\\.)*)"/.exec(last);
  return m ? m[1]!.replace(/\\"/g, '"') : last;
}

export class OciRuntime {
  constructor(readonly bin: RuntimeBinary) {}

  async state(id: string): Promise<RuntimeState | undefined> {
    try {
      return JSON.parse(await run(this.bin, ['state', id])) as RuntimeState;
    } catch (err) {
      if (/does not exist|not found|no such file/i.test((err as Error).message)) return undefined;
      throw err;
    }
  }

  async start(id: string): Promise<void> {
    await run(this.bin, ['start', id]);
  }

  async kill(id: string, signal: number, all = false): Promise<void> {
    await run(this.bin, ['kill', ...(all ? ['--all'] : []), id, String(signal)]);
  }

  /** A runc container whose init has exited is removed without starting runc (runc-state.ts). */
  async delete(id: string, force = true): Promise<void> {
    if (this.bin.name === 'runc' && (await removeStoppedRunc(this.bin.root, id))) return;
    try {
      await run(this.bin, ['delete', ...(force ? ['--force'] : []), id]);
    } catch (err) {
      if (!/does not exist|not found/i.test((err as Error).message)) throw err;
    }
  }

  async pause(id: string): Promise<void> {
    await run(this.bin, ['pause', id]);
  }

  async resume(id: string): Promise<void> {
    await run(this.bin, ['resume', id]);
  }

  /** PIDs of the container's processes (host namespace). */
  async pids(id: string): Promise<number[]> {
    return JSON.parse((await run(this.bin, ['ps', '--format', 'json', id])) || '[]') as number[];
  }

  /** Applies a `linux.resources` JSON file to a running container. */
  async update(id: string, resourcesFile: string): Promise<void> {
    await run(this.bin, ['update', '--resources', resourcesFile, id]);
  }
}
