/**
 * How berthd's own process is sized for a long-running service, in the one place every launcher
 * goes through (bin/berthd, setup.sh's launchers, `npm run up`, the tests' startDaemon): the entry
 * (main.ts) re-executes itself with whatever of this is missing, before it loads anything else.
 * `npm run bench:soak` re-measures what each value is for (BERTHD_NODE_ARGS tries others).
 *
 * Measured on the 2-core, 24 GB VM (issue 14), 900 `docker run --rm busybox true` in a row:
 * untuned RSS 141 MB after 300 runs, a sawtooth up to 156 MB (V8 growing a heap sized for 24 GB);
 * tuned 97 MB after 300 and 100 MB after 900, heap used ~20 MB of ~27 MB. MALLOC_ARENA_MAX=2
 * alone: 5.6 MB less after 100 runs. Semi-spaces of 2 MB measured the same as 1 MB.
 * Not kept: --optimize-for-size (no gain); --no-opt --no-maglev (~8 MB less of the node binary
 * paged in, but every hot JS path, tar and JSON included, loses its optimizing compilers: a 65 MB
 * image import and load 17–70 % slower); --efficiency-mode (TurboFan after 15,000 calls: fresh
 * idle RSS 77.9 → 72.6 MB and no growth at all after 2,100 runs, but 1,000 containers started in
 * 215 s, against 168 and 191 s without it (floors 93–95 s), and TurboFan's pages arrive after the
 * soak's 300-run checkpoint).
 *
 * Imports nothing: main.ts loads it before the daemon's modules.
 */

/**
 * V8 flags. Node sizes the young generation and the heap limit for the machine (a 24 GB VM gets
 * 16 MB semi-spaces and a ~4 GB old space), so garbage from a burst of requests is kept instead of
 * collected and a daemon's RSS creeps up for hours; a service with a small live set wants them small.
 */
export const DAEMON_NODE_FLAGS: readonly string[] = [
  // Scavenges more often over less memory: the young generation is most of the idle heap's slack.
  '--max-semi-space-size=1',
  // Five times the live heap with 1,000 containers (~20 MB idle, ~32 kB more per running one),
  // low enough that V8 collects the old space instead of growing it towards the machine's memory.
  '--max-old-space-size=256',
];

/**
 * Environment read when the process starts, which the process cannot change for itself later.
 * glibc gives each thread that mallocs its own 64 MB arena (libuv's pool, V8's compiler and GC
 * threads), each keeping freed memory: two arenas bound that. What they keep is given back to the
 * kernel every 10 s while berthd runs (base/malloc-trim.ts).
 */
export const DAEMON_ENV: Readonly<Record<string, string>> = {
  MALLOC_ARENA_MAX: '2',
};

/** The name of a `--flag=value` (or `--flag value`, `--flag`) argument, to compare flags by. */
function flagName(arg: string): string {
  const eq = arg.indexOf('=');
  return (eq < 0 ? arg : arg.slice(0, eq)).replaceAll('_', '-');
}

/**
 * What of the tuning this process lacks: flags neither on its command line nor in NODE_OPTIONS,
 * variables not in its environment. What an operator set explicitly wins and is never added again,
 * so a second pass finds nothing missing and the re-exec happens at most once.
 */
export function missingTuning(execArgv: readonly string[], env: Readonly<Record<string, string | undefined>>): { flags: string[]; env: Record<string, string> } {
  const given = new Set([...execArgv, ...(env.NODE_OPTIONS ?? '').split(/\s+/)].filter((a) => a.startsWith('--')).map(flagName));
  const flags = DAEMON_NODE_FLAGS.filter((f) => !given.has(flagName(f)));
  const missingEnv = Object.fromEntries(Object.entries(DAEMON_ENV).filter(([k]) => env[k] === undefined));
  return { flags, env: missingEnv };
}

/** The argv of the re-exec: node, the tuning flags, the flags it was given (they win), the script, its args. */
export function reexecArgv(execPath: string, tuning: readonly string[], execArgv: readonly string[], argv: readonly string[]): string[] {
  return [execPath, ...tuning, ...execArgv, ...argv.slice(1)];
}
