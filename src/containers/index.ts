export { ContainerStore } from './container-store.js';
export { ContainerService, type CommitRequest, type ContainerImages, type ContainerServiceDeps, type CreateRequest, type ResolvedImage } from './container-service.js';
export type { WaitCondition } from './lifecycle.js';
export type { ContainerConfig, ContainerRecord, ContainerState, ContainerStatus, HostConfig, MountPoint, MountSpec, RestartPolicy } from './types.js';
export { ZERO_TIME } from './types.js';
export type { OutputListener } from './container-io.js';
export type { ExecConfig, ExecRecord, ExecService } from './exec-service.js';
export type { Change } from './container-fs.js';
