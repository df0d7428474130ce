/**
 * Logging drivers as dockerd has them, for the ones berth runs: `json-file` (the default),
 * `local` and `none`. Both file drivers keep conmon's log file (see runtime/log-file.ts); what
 * differs is their options, defaults and rotation. Checked in two steps, as moby does: at create
 * the driver and the option names (logger.ValidateLogOpts, 400), at start the option values (the
 * driver's New(), which fails the start).
 */
import { BerthError, invalidArgument } from '../base/errors.js';
import { atoi, fromHumanSize, parseBool, ramInBytes } from '../base/go-units.js';

export interface LogConfig {
  type: string;
  config: Record<string, string>;
}

/** The code of a start refused by the container's log options. */
export const LOG_DRIVER_ERROR = 'BERTH_ERR_LOG_DRIVER';

/** Drivers dockerd has built in that berth does not run. */
const UNSUPPORTED = ['syslog', 'journald', 'gelf', 'fluentd', 'awslogs', 'splunk', 'gcplogs', 'logentries'];

/** Options every driver takes (moby's builtInLogOpts and the log cache's `cache-*`). */
const BUILTIN_OPTS = new Set(['mode', 'max-buffer-size', 'cache-disabled', 'cache-max-size', 'cache-max-file', 'cache-compress']);

/** Each driver's own option names (its ValidateLogOpt). */
const DRIVER_OPTS: Record<string, { keys: string[]; unknown: (key: string) => string }> = {
  'json-file': {
    keys: ['max-file', 'max-size', 'compress', 'labels', 'labels-regex', 'env', 'env-regex', 'tag'],
    unknown: (k) => `unknown log opt '${k}' for json-file log driver`,
  },
  local: { keys: ['max-file', 'max-size', 'compress'], unknown: (k) => `unknown log opt '${k}' for log driver local` },
};

/**
 * moby's mergeAndVerifyLogConfig: an empty type is the daemon's default driver, whose default
 * options fill in what the container leaves out; then the options are checked.
 * @throws BerthError InvalidArgument with moby's messages.
 */
export function mergeLogConfig(cfg: LogConfig, defaults: LogConfig): LogConfig {
  const type = cfg.type || defaults.type;
  const config = { ...cfg.config };
  for (const [k, v] of Object.entries(defaults.config)) {
    if (type === defaults.type || k.startsWith('cache-')) config[k] ??= v;
  }
  validateLogOpts(type, config);
  return { type, config };
}

/** moby's logger.ValidateLogOpts. @throws BerthError InvalidArgument. */
export function validateLogOpts(type: string, config: Record<string, string>): void {
  if (type === 'none') return;
  const mode = config.mode ?? '';
  if (!['blocking', 'non-blocking', ''].includes(mode)) throw invalidArgument(`logger: logging mode not supported: ${mode}`);
  if (config['max-buffer-size'] !== undefined) {
    if (mode !== 'non-blocking') throw invalidArgument("logger: max-buffer-size option is only supported with 'mode=non-blocking'");
    try {
      ramInBytes(config['max-buffer-size']);
    } catch (err) {
      throw invalidArgument(`error parsing option max-buffer-size: ${(err as Error).message}`, err);
    }
  }
  const cacheDisabled = config['cache-disabled'];
  if (cacheDisabled) {
    try {
      parseBool(cacheDisabled);
    } catch (err) {
      throw invalidArgument(`invalid value for option cache-disabled: ${cacheDisabled}`, err);
    }
  }
  const driver = DRIVER_OPTS[type];
  if (!driver) {
    if (UNSUPPORTED.includes(type)) throw invalidArgument(`logging driver "${type}" is not supported by berth (json-file, local and none are)`);
    // Not built in: dockerd then looks for a logging plugin of that name.
    throw invalidArgument(`error looking up logging plugin ${type}: plugin ${JSON.stringify(type)} not found`);
  }
  for (const k of Object.keys(config)) {
    if (!BUILTIN_OPTS.has(k) && !driver.keys.includes(k)) throw invalidArgument(driver.unknown(k));
  }
}

/** How a container's output is kept: not at all, or in a file rotated at `maxSize` bytes (-1: never). */
export interface LogOptions {
  driver: 'json-file' | 'local' | 'none';
  maxSize: number;
  maxFile: number;
}

/**
 * The option values, parsed as the driver's New() does when the container starts.
 * @throws BerthError Internal (coded LOG_DRIVER_ERROR) with moby's start error:
 *   `failed to create task for container: failed to initialize logging driver: …`.
 */
export function logOptions(cfg: LogConfig): LogOptions {
  try {
    // Records made before drivers were resolved at create have no type: they ran json-file.
    if (cfg.type === '') return jsonFileOptions(cfg.config);
    if (cfg.type === 'none') return { driver: 'none', maxSize: -1, maxFile: 1 };
    if (cfg.type === 'local') return localOptions(cfg.config);
    if (cfg.type === 'json-file') return jsonFileOptions(cfg.config);
    validateLogOpts(cfg.type, cfg.config);
    throw invalidArgument(`logger: no log driver named '${cfg.type}' is registered`);
  } catch (err) {
    throw new BerthError('Internal', `failed to create task for container: failed to initialize logging driver: ${(err as Error).message}`, { cause: err, code: LOG_DRIVER_ERROR });
  }
}

function jsonFileOptions(c: Record<string, string>): LogOptions {
  let maxSize = -1;
  if (c['max-size'] !== undefined) {
    maxSize = fromHumanSize(c['max-size']);
    if (maxSize <= 0) throw invalidArgument('max-size must be a positive number');
  }
  let maxFile = 1;
  if (c['max-file'] !== undefined) {
    maxFile = atoi(c['max-file']);
    if (maxFile < 1) throw invalidArgument('max-file cannot be less than 1');
  }
  if (c.compress !== undefined && parseBool(c.compress) && (maxFile === 1 || maxSize === -1)) {
    throw invalidArgument('compress cannot be true when max-file is less than 2 or max-size is not set');
  }
  return { driver: 'json-file', maxSize, maxFile };
}

/** The local driver keeps 5 files of 20 MiB, compressed, unless told otherwise. */
function localOptions(c: Record<string, string>): LogOptions {
  let maxSize = 20 * 1024 * 1024;
  let maxFile = 5;
  let compress = true;
  const wrap = (what: string, fn: () => number): number => {
    try {
      return fn();
    } catch (err) {
      throw invalidArgument(`${what}: ${(err as Error).message}`, err);
    }
  };
  if (c['max-size'] !== undefined) maxSize = wrap(`invalid value for max-size: ${c['max-size']}`, () => fromHumanSize(c['max-size']!));
  if (c['max-file'] !== undefined) maxFile = wrap(`invalid value for max-file: ${c['max-file']}`, () => atoi(c['max-file']!));
  if (c.compress !== undefined) compress = wrap('error reading compress log option', () => Number(parseBool(c.compress!))) === 1;
  if (maxSize < 0) throw invalidArgument('max size should be a positive number');
  if (maxFile < 0) throw invalidArgument('max file count cannot be less than 0');
  if (compress && maxFile <= 1) throw invalidArgument('compression cannot be enabled when max file count is 1');
  // moby's log file: a size of 0 never rotates, nor does a count of 0 keep more than one file.
  return { driver: 'local', maxSize: maxSize === 0 ? -1 : maxSize, maxFile: Math.max(maxFile, 1) };
}
