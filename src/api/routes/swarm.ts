/**
 * Swarm mode's endpoints while this node is in no swarm (berth has no swarm mode yet): each
 * answers 503 with the message moby's daemon/cluster gives a node that was never part of one.
 * docker-py's tests leave the swarm in their teardown, and tools probe `GET /swarm`.
 */
import type { HTTPMethod } from 'find-my-way';
import { BerthError } from '../../base/errors.js';
import type { Route } from '../context.js';

/** moby's `errNoManager` for a node without a swarm (every manager-only call). */
export const NOT_A_MANAGER = 'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.';
/** moby's `errNoSwarm` (`swarm leave`). */
export const NOT_IN_A_SWARM = 'This node is not part of a swarm';
/** init and join would make this node part of a swarm, which berth cannot do yet. */
export const NO_SWARM_MODE = 'This node cannot be part of a swarm: swarm mode is not available in berth';

/** moby's cluster router, object by object (api/server/router/swarm). */
const MANAGER_ROUTES: [HTTPMethod, string][] = [
  ['GET', '/swarm'],
  ['GET', '/swarm/unlockkey'],
  ['POST', '/swarm/update'],
  ['POST', '/swarm/unlock'],
  ...(['services', 'nodes', 'tasks', 'secrets', 'configs'] as const).flatMap((o): [HTTPMethod, string][] => [
    ['GET', `/${o}`],
    ['GET', `/${o}/:id`],
    ...(o === 'services' || o === 'secrets' || o === 'configs' ? ([['POST', `/${o}/create`]] as [HTTPMethod, string][]) : []),
    ...(o !== 'tasks' ? ([['POST', `/${o}/:id/update`], ['DELETE', `/${o}/:id`]] as [HTTPMethod, string][]) : []),
    ...(o === 'services' || o === 'tasks' ? ([['GET', `/${o}/:id/logs`]] as [HTTPMethod, string][]) : []),
  ]),
];

const refuse = (message: string) => async (): Promise<void> => {
  throw new BerthError('Unavailable', message);
};

export function swarmRoutes(): Route[] {
  return [
    ...MANAGER_ROUTES.map(([method, path]): Route => [method, path, refuse(NOT_A_MANAGER)]),
    ['POST', '/swarm/leave', refuse(NOT_IN_A_SWARM)],
    ['POST', '/swarm/init', refuse(NO_SWARM_MODE)],
    ['POST', '/swarm/join', refuse(NO_SWARM_MODE)],
  ];
}
