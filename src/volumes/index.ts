export { VolumeStore } from './volume-store.js';
export { VolumeService, type CreateVolume, type MountEvent, type VolumeServiceDeps } from './volume-service.js';
export { ANONYMOUS_LABEL, type Volume, type VolumeRecord } from './types.js';
