/**
 * Healthchecks as moby runs them (daemon/health.go): one monitor per running container with a
 * probe, probing on its schedule (the start interval while starting within the start period,
 * the interval otherwise, each counted from the end of the last probe), keeping `State.Health`
 * in the container's record and announcing status changes as `health_status: <status>` events.
 *
 * Lifecycle hooks: {@link HealthMonitor.started} at each start (and after a berthd restart, for
 * a container found running), {@link HealthMonitor.stopped} at exit, {@link HealthMonitor.paused}
 * and {@link HealthMonitor.resumed} around a pause. A monitor that stops leaves the status
 * `unhealthy`, as moby's does.
 */
import type { Logger } from '../base/log.js';
import { sleep } from '../base/sleep.js';
import type { DeepReadonly } from '../base/record-table.js';
import type { ContainerStore } from './container-store.js';
import { hasProbe, healthTimings, probeArgv } from './health-config.js';
import { runProbe, type ProbeExecs, type ProbeOutcome } from './health-probe.js';
import type { ContainerRecord, HealthConfig, HealthResult, HealthState } from './types.js';

export interface HealthMonitorDeps {
  store: ContainerStore;
  execs: ProbeExecs;
  emit: (rec: ContainerRecord, action: string, attrs?: Record<string, string>) => void;
  log: Logger;
}

/** moby's `maxLogEntries`. */
const MAX_LOG = 5;

/**
 * The health after one probe (moby's `handleProbeResult`): a pass makes it healthy; a failure
 * adds to the streak, unless it is still starting within its start period, and `retries`
 * failures in a row make it unhealthy.
 */
export function applyProbeResult(h: DeepReadonly<HealthState>, result: HealthResult, cfg: DeepReadonly<HealthConfig>, startedAt: string): HealthState {
  const t = healthTimings(cfg);
  const log = [...h.log, result].slice(-MAX_LOG);
  if (result.exitCode === 0) return { status: 'healthy', failingStreak: 0, log };
  const inStartPeriod = h.status === 'starting' && Date.parse(result.start) - Date.parse(startedAt) < t.startPeriodMs;
  if (inStartPeriod) return { status: h.status, failingStreak: h.failingStreak, log };
  const failingStreak = h.failingStreak + 1;
  return { status: failingStreak >= t.retries ? 'unhealthy' : h.status, failingStreak, log };
}

/** Time until the next probe: the start interval only while starting within the start period. */
export function nextProbeDelay(rec: ContainerRecord, cfg: DeepReadonly<HealthConfig>, now = Date.now()): number {
  const t = healthTimings(cfg);
  if (now - Date.parse(rec.state.startedAt) >= t.startPeriodMs) return t.intervalMs;
  return rec.state.health?.status === 'starting' ? t.startIntervalMs : t.intervalMs;
}

/** A result that arrived after its monitor was stopped: dropped, as moby drops it. */
const STALE = Symbol('stale probe result');

export class HealthMonitor {
  private readonly watches = new Map<string, AbortController>();

  constructor(private readonly d: HealthMonitorDeps) {}

  /** A (re)start, or a running container re-adopted: `starting`, no failures, the log kept. */
  async started(id: string): Promise<void> {
    const rec = this.d.store.get(id);
    if (!rec || !hasProbe(rec.config.healthcheck)) return;
    this.halt(id);
    await this.d.store.update(id, (c) => {
      c.state.health = { status: 'starting', failingStreak: 0, log: c.state.health?.log ?? [] };
    });
    this.watch(id);
  }

  /**
   * A live container re-adopted after a berthd restart: probes its last monitor left are ended;
   * a running one then starts over from `starting` (moby's restore), a paused one waits for unpause.
   */
  async restored(id: string): Promise<void> {
    await this.d.execs.reapProbes(id);
    if (this.d.store.get(id)?.state.status === 'running') await this.started(id);
  }

  /** The container exited: probes end and the status is `unhealthy`. */
  async stopped(id: string): Promise<void> {
    if (this.halt(id)) await this.markUnhealthy(id);
  }

  /** Paused: no probes while frozen; moby reports `unhealthy` meanwhile. */
  async paused(id: string): Promise<void> {
    if (this.halt(id)) await this.markUnhealthy(id);
  }

  /** Unpaused: probes resume, from the status the pause left. */
  resumed(id: string): void {
    const rec = this.d.store.get(id);
    if (rec?.state.health && hasProbe(rec.config.healthcheck)) this.watch(id);
  }

  /** berthd is going down: the probes end with it, the containers' recorded health stays. */
  close(): void {
    for (const ac of this.watches.values()) ac.abort();
    this.watches.clear();
  }

  private watch(id: string): void {
    if (this.watches.has(id)) return;
    const ac = new AbortController();
    this.watches.set(id, ac);
    void this.loop(id, ac.signal)
      .catch((err: unknown) => this.d.log.warn('health monitor stopped', { id, err }))
      .finally(() => {
        if (this.watches.get(id) === ac) this.watches.delete(id);
      });
  }

  /** Stops a monitor; true when one was running. */
  private halt(id: string): boolean {
    const ac = this.watches.get(id);
    if (!ac) return false;
    ac.abort();
    this.watches.delete(id);
    return true;
  }

  private async markUnhealthy(id: string): Promise<void> {
    if (!this.d.store.get(id)?.state.health) return;
    await this.d.store.update(id, (c) => {
      if (c.state.health) c.state.health.status = 'unhealthy';
    });
  }

  private async loop(id: string, signal: AbortSignal): Promise<void> {
    for (;;) {
      const rec = this.d.store.get(id);
      if (!rec || !hasProbe(rec.config.healthcheck)) return;
      await sleep(nextProbeDelay(rec, rec.config.healthcheck), signal, { unref: true });
      const now = this.d.store.get(id);
      if (signal.aborted || !now) return;
      const cfg = now.config.healthcheck;
      if (!cfg) return;
      const start = new Date().toISOString();
      const outcome = await runProbe(this.d.execs, now, probeArgv(cfg), healthTimings(cfg).timeoutNs, signal);
      if (signal.aborted || !outcome) return;
      await this.record(id, start, outcome, signal);
    }
  }

  private async record(id: string, start: string, outcome: ProbeOutcome, signal: AbortSignal): Promise<void> {
    const result: HealthResult = { start, end: new Date().toISOString(), exitCode: outcome.exitCode, output: outcome.output };
    let before: HealthState['status'] | undefined;
    let rec: ContainerRecord;
    try {
      rec = await this.d.store.update(id, (c) => {
        if (signal.aborted || !c.state.health || !c.config.healthcheck) throw STALE;
        before = c.state.health.status;
        c.state.health = applyProbeResult(c.state.health, result, c.config.healthcheck, c.state.startedAt);
      });
    } catch (err) {
      // A monitor stopped meanwhile (the container may be gone): the result counts for nothing.
      if (err === STALE || signal.aborted) return;
      throw err;
    }
    const after = rec.state.health?.status;
    if (after && after !== before) this.d.emit(rec, `health_status: ${after}`);
  }
}
