export { loadProject, normalizeProjectName, type LoadOptions } from './load.js';
export type { Project } from './project.js';
export type { Service, PortConfig, VolumeMount, Dependency, ServiceNetwork } from './types.js';
export { configYaml, configJson } from './config-output.js';
export { dependencyOrder, withDependencies } from './graph.js';
export { LABEL, COMPOSE_VERSION, serviceHash, dependsOnLabel } from './labels.js';
