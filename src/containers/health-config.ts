/**
 * HEALTHCHECK settings as moby treats them: validated as given at create (daemon/container.go
 * `validateHealthCheck`), merged over the image's (daemon/commit.go `merge`), and read at run
 * time with moby's defaults (daemon/health.go).
 */
import { invalidArgument } from '../base/errors.js';
import type { DeepReadonly } from '../base/record-table.js';
import type { HealthConfig } from './types.js';

/** A healthcheck as records hold it (the functions below read, never change, one). */
type Health = DeepReadonly<HealthConfig>;

const MS = 1_000_000;
const SECOND = 1000 * MS;

/** moby's defaults for fields left at 0. */
export const HEALTH_DEFAULTS = {
  interval: 30 * SECOND,
  timeout: 30 * SECOND,
  startPeriod: 0,
  startInterval: 5 * SECOND,
  retries: 3,
} as const;

/** The shortest duration a healthcheck may set (`containertypes.MinimumDuration`). */
const MINIMUM_DURATION = MS;

/** Refuses settings moby refuses, with its messages. */
export function validateHealthcheck(h: HealthConfig | undefined): void {
  if (!h) return;
  const tooShort = (v: number): boolean => v !== 0 && v < MINIMUM_DURATION;
  if (tooShort(h.interval)) throw invalidArgument('Interval in Healthcheck cannot be less than 1ms');
  if (tooShort(h.timeout)) throw invalidArgument('Timeout in Healthcheck cannot be less than 1ms');
  if (h.retries < 0) throw invalidArgument('Retries in Healthcheck cannot be negative');
  if (tooShort(h.startPeriod)) throw invalidArgument('StartPeriod in Healthcheck cannot be less than 1ms');
  if (tooShort(h.startInterval)) throw invalidArgument('StartInterval in Healthcheck cannot be less than 1ms');
}

/** The create body's healthcheck over the image's: what the body leaves empty or 0, the image gives. */
export function mergeHealthcheck(user: HealthConfig | undefined, image: HealthConfig | undefined): HealthConfig | undefined {
  if (!image) return user;
  if (!user) return image;
  return {
    test: user.test.length ? user.test : image.test,
    interval: user.interval || image.interval,
    timeout: user.timeout || image.timeout,
    startPeriod: user.startPeriod || image.startPeriod,
    startInterval: user.startInterval || image.startInterval,
    retries: user.retries || image.retries,
  };
}

/** An image config's `Healthcheck` (Docker's JSON), leniently: what is not there is 0. */
export function healthFromImageConfig(raw: unknown): HealthConfig | undefined {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const h = raw as Record<string, unknown>;
  const n = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  return {
    test: Array.isArray(h.Test) ? h.Test.filter((x): x is string => typeof x === 'string') : [],
    interval: n(h.Interval),
    timeout: n(h.Timeout),
    startPeriod: n(h.StartPeriod),
    startInterval: n(h.StartInterval),
    retries: n(h.Retries),
  };
}

/** Docker's JSON form, zero fields left out (`json:",omitempty"`), as inspect and image configs carry it. */
export function healthToImageConfig(h: Health): Record<string, unknown> {
  return {
    ...(h.test.length ? { Test: [...h.test] } : {}),
    ...(h.interval ? { Interval: h.interval } : {}),
    ...(h.timeout ? { Timeout: h.timeout } : {}),
    ...(h.startPeriod ? { StartPeriod: h.startPeriod } : {}),
    ...(h.startInterval ? { StartInterval: h.startInterval } : {}),
    ...(h.retries ? { Retries: h.retries } : {}),
  };
}

/**
 * Whether the healthcheck runs probes at all (moby's `getProbe`): `CMD` and `CMD-SHELL` do;
 * none set, `NONE` and unknown types do not.
 */
export function hasProbe(h: Health | undefined): h is Health {
  return h !== undefined && (h.test[0] === 'CMD' || h.test[0] === 'CMD-SHELL');
}

/**
 * The probe's argv: `CMD`'s as given, `CMD-SHELL`'s through `/bin/sh -c`. Empty when the test
 * names no command (a probe that then fails with moby's message).
 */
export function probeArgv(h: Health): string[] {
  const cmd = h.test.slice(1);
  if (cmd.length === 0) return [];
  return h.test[0] === 'CMD-SHELL' ? ['/bin/sh', '-c', ...cmd] : cmd;
}

/** The effective timings, in milliseconds, and retries. */
export function healthTimings(h: Health): { intervalMs: number; timeoutMs: number; timeoutNs: number; startPeriodMs: number; startIntervalMs: number; retries: number } {
  const timeoutNs = h.timeout || HEALTH_DEFAULTS.timeout;
  return {
    intervalMs: (h.interval || HEALTH_DEFAULTS.interval) / MS,
    timeoutMs: timeoutNs / MS,
    timeoutNs,
    startPeriodMs: (h.startPeriod || HEALTH_DEFAULTS.startPeriod) / MS,
    startIntervalMs: (h.startInterval || HEALTH_DEFAULTS.startInterval) / MS,
    retries: h.retries > 0 ? h.retries : HEALTH_DEFAULTS.retries,
  };
}
