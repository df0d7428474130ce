/**
 * The `com.docker.compose.*` labels Docker Compose v2 writes on what it creates, by which it (and
 * the docker CLI, Portainer, Compose v2 itself) finds a project's objects; and the config hash
 * that decides whether a container is recreated.
 */
import { createHash } from '../base/crypto.js';
import type { Service } from './types.js';

export const LABEL = {
  project: 'com.docker.compose.project',
  service: 'com.docker.compose.service',
  number: 'com.docker.compose.container-number',
  oneoff: 'com.docker.compose.oneoff',
  slug: 'com.docker.compose.slug',
  configHash: 'com.docker.compose.config-hash',
  configFiles: 'com.docker.compose.project.config_files',
  workingDir: 'com.docker.compose.project.working_dir',
  environmentFile: 'com.docker.compose.project.environment_file',
  network: 'com.docker.compose.network',
  volume: 'com.docker.compose.volume',
  version: 'com.docker.compose.version',
  image: 'com.docker.compose.image',
  dependsOn: 'com.docker.compose.depends_on',
  replace: 'com.docker.compose.replace',
} as const;

/** The Compose v2 release whose behaviour and labels berth's compose follows. */
export const COMPOSE_VERSION = '2.39.1';

function stable(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stable);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, stable((v as Record<string, unknown>)[k])]));
  return v;
}

/**
 * compose v2's ServiceHash: the service's configuration without what does not change the
 * container (build, pull policy, scale and replicas, dependencies, profiles, develop).
 */
export function serviceHash(svc: Service): string {
  const s: Record<string, unknown> = { ...svc };
  for (const k of ['build', 'pull_policy', 'scale', 'depends_on', 'profiles', 'develop']) delete s[k];
  if (svc.deploy) s.deploy = { ...svc.deploy, replicas: undefined };
  return createHash('sha256').update(JSON.stringify(stable(s))).digest('hex');
}

/** `db:service_healthy:false,cache:service_started:true` as compose v2 writes it. */
export function dependsOnLabel(svc: Service): string {
  return Object.entries(svc.depends_on ?? {})
    .map(([name, d]) => `${name}:${d.condition}:${d.restart === true}`)
    .join(',');
}
