/**
 * Docker's json-file rotation (`--log-opt max-size=10m --log-opt max-file=3`) for conmon's logs:
 * conmon 2.1.6 can only truncate, so berthd rotates. When a running container's log reaches
 * max-size, the files shift (`log` → `log.1` → `log.2` …, the oldest dropped) and conmon is told
 * to reopen its log path through its control FIFO.
 */
import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { invalidArgument } from '../base/errors.js';
import type { ContainerRecord } from './types.js';

export interface LogLimits {
  maxSize: number;
  maxFile: number;
}

/** go-units RAMInBytes, as Docker parses max-size ("10m", "1k", "512"). */
export function parseLogSize(v: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)i?b?$/i.exec(v.trim());
  if (!m) throw invalidArgument(`invalid size: '${v}'`);
  const mult: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };
  return Math.round(Number(m[1]) * mult[m[2]!.toLowerCase()]!);
}

/** The limits a container's LogConfig asks for, validated as Docker's json-file driver does. */
export function logLimits(rec: ContainerRecord): LogLimits | undefined {
  const type = rec.hostConfig.logConfig.type || 'json-file';
  const cfg = rec.hostConfig.logConfig.config;
  if (!['json-file', 'local', 'k8s-file'].includes(type)) throw invalidArgument(`logging driver "${type}" is not supported by berth (json-file and local are)`);
  for (const k of Object.keys(cfg)) {
    if (!['max-size', 'max-file', 'compress', 'labels', 'env', 'tag', 'mode', 'max-buffer-size'].includes(k)) throw invalidArgument(`unknown log opt '${k}' for ${type} log driver`);
  }
  if (!cfg['max-size']) {
    if (cfg['max-file'] && cfg['max-file'] !== '1') throw invalidArgument("max-file cannot be greater than 1 without max-size");
    return undefined;
  }
  const maxSize = parseLogSize(cfg['max-size']);
  const maxFile = cfg['max-file'] ? Number(cfg['max-file']) : 1;
  if (!Number.isInteger(maxFile) || maxFile < 1) throw invalidArgument('max-file cannot be less than 1');
  return { maxSize, maxFile };
}

/** Every file of a container's log, oldest first. */
export function logFiles(logPath: string, maxFile = 100): string[] {
  const rotated: string[] = [];
  for (let i = 1; i < maxFile && existsSync(`${logPath}.${i}`); i++) rotated.push(`${logPath}.${i}`);
  return [...rotated.reverse(), logPath];
}

/** Rotates if the log is over its limit; returns whether it did. */
export async function rotateIfNeeded(logPath: string, bundle: string, limits: LogLimits): Promise<boolean> {
  let size: number;
  try {
    size = statSync(logPath).size;
  } catch {
    return false;
  }
  if (size < limits.maxSize) return false;
  rmSync(`${logPath}.${limits.maxFile - 1}`, { force: true });
  for (let i = limits.maxFile - 2; i >= 1; i--) {
    if (existsSync(`${logPath}.${i}`)) renameSync(`${logPath}.${i}`, `${logPath}.${i + 1}`);
  }
  if (limits.maxFile > 1) renameSync(logPath, `${logPath}.1`);
  else rmSync(logPath, { force: true });
  // conmon reopens (and creates) its log path on a type-2 control message.
  const fh = await open(join(bundle, 'ctl'), constants.O_WRONLY | constants.O_NONBLOCK);
  try {
    await fh.write('2 0 0\n');
  } finally {
    await fh.close();
  }
  return true;
}
