import { createServer, type Server } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { BerthError, isErrno } from './errors.js';

/**
 * A lock shared by every process on the host: a listening socket in the abstract namespace.
 * The kernel frees it when the holder exits however it exits. Daemons side by side take it
 * around choices that must not collide (an address pool and the bridge that claims it).
 */
export async function withHostLock<T>(name: string, fn: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let server: Server | undefined;
  while (!server) {
    const s = createServer();
    try {
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen({ path: `\0berth-lock-${name}` }, () => resolve());
      });
      server = s;
    } catch (err) {
      s.close();
      if (!isErrno(err, 'EADDRINUSE')) throw err;
      if (Date.now() > deadline) throw new BerthError('Unavailable', `timed out waiting for the host lock "${name}"`);
      await sleep(20);
    }
  }
  try {
    return await fn();
  } finally {
    server.close();
  }
}
