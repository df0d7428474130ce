#!/usr/bin/env node
/**
 * berthd's entry. First it makes sure the process runs with its runtime tuning (runtime-tuning.ts):
 * heap sizes are fixed when V8 starts and glibc reads MALLOC_ARENA_MAX when the process starts, so
 * when any is missing the process replaces itself (execve: same pid, same stdio, same nice value)
 * with one that has them. Only then is the daemon loaded: serve.js and everything it imports, as the
 * one file the build bundles them into (bundle.ts).
 */
import { missingTuning, reexecArgv } from './runtime-tuning.js';

const missing = missingTuning(process.execArgv, process.env);
// Not under socket activation: Node's execve leaves only stdio open, and the listening sockets the
// service manager passed from fd 3 would be lost. Such a unit sets the tuning itself (NODE_OPTIONS
// takes both heap flags; Environment=MALLOC_ARENA_MAX=2).
const activated = process.env.LISTEN_FDS !== undefined;
if (!activated && (missing.flags.length || Object.keys(missing.env).length)) {
  // Node older than 22.15 has no execve: that daemon runs untuned rather than not at all.
  process.execve?.(process.execPath, reexecArgv(process.execPath, missing.flags, process.execArgv, process.argv), { ...process.env, ...missing.env });
}

/** A variable, so tsc does not look for the bundle's source: its types are serve.ts's. */
const BUNDLE = './serve.bundle.js';
const { serve } = (await import(BUNDLE).catch((err: unknown) => {
  if ((err as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw err;
  process.stderr.write('berthd: dist/src/daemon/serve.bundle.js is missing: build with `npm run build` (tsc, the codegens, then src/daemon/bundle.ts)\n');
  process.exit(1);
})) as typeof import('./serve.js');
serve().catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  if ((err as { code?: string }).code?.startsWith('commander.')) process.exit((err as { exitCode?: number }).exitCode ?? 1);
  process.stderr.write(`berthd: ${message}\n`);
  process.exit(1);
});
