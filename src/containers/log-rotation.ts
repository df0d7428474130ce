/**
 * Docker's json-file and local rotation (`--log-opt max-size=10m --log-opt max-file=3`) for conmon's logs:
 * conmon 2.1.6 can only truncate, so berthd rotates. When a running container's log reaches
 * max-size, the files shift (`log` → `log.1` → `log.2` …, the oldest dropped) and conmon is told
 * to reopen its log path through its control FIFO.
 */
import { existsSync } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { isErrno } from '../base/errors.js';
import type { LogOptions } from './log-config.js';

/** Every file of a container's log, oldest first. */
export function logFiles(logPath: string, maxFile = 100): string[] {
  const rotated: string[] = [];
  for (let i = 1; i < maxFile && existsSync(`${logPath}.${i}`); i++) rotated.push(`${logPath}.${i}`);
  return [...rotated.reverse(), logPath];
}

/** Rotates if the log is over its limit (a driver's max-size); returns whether it did. */
export async function rotateIfNeeded(logPath: string, limits: LogOptions, reopen: () => Promise<void>): Promise<boolean> {
  if (limits.driver === 'none' || limits.maxSize < 0) return false;
  let size: number;
  try {
    size = (await stat(logPath)).size;
  } catch {
    return false;
  }
  if (size < limits.maxSize) return false;
  await rm(`${logPath}.${limits.maxFile - 1}`, { force: true });
  for (let i = limits.maxFile - 2; i >= 1; i--) {
    await rename(`${logPath}.${i}`, `${logPath}.${i + 1}`).catch((err: unknown) => {
      if (!isErrno(err, 'ENOENT')) throw err;
    });
  }
  if (limits.maxFile > 1) await rename(logPath, `${logPath}.1`);
  else await rm(logPath, { force: true });
  await reopen();
  return true;
}
