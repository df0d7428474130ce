import type { ContainerRecord } from './types.js';

/**
 * Whether the restart policy brings a container back after the exit its record now holds
 * (moby's restartmanager.ShouldRestart). Decided when the exit is recorded, so the record goes
 * straight from running to restarting and no client ever sees it exited in between.
 */
export function restartsAfterExit(rec: Pick<ContainerRecord, 'hostConfig' | 'state' | 'restartCount'>): boolean {
  const policy = rec.hostConfig.restartPolicy;
  if (rec.state.stoppedByUser) return false;
  if (policy.name === 'always' || policy.name === 'unless-stopped') return true;
  return policy.name === 'on-failure' && rec.state.exitCode !== 0 && (policy.maximumRetryCount === 0 || rec.restartCount < policy.maximumRetryCount);
}
