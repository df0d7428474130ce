export type { Image, ImageConfigJson, ImageRecord, LayerRef, ContainerConfigJson, HistoryEntryJson } from './types.js';
export { MEDIA } from './types.js';
export { ImageRecordStore } from './image-store.js';
export { ImageService, createdMs, type DeleteItem, type HistoryItem, type ImageEvent, type ImageUsage, type ImageServiceDeps } from './image-service.js';
export { ImageArchives, type CommitOptions, type ImportOptions } from './image-archives.js';
export { applyChanges } from './changes.js';
export { hostArch } from './archive-images.js';
export * from './reference.js';
export type { LayerExtractor } from './layer-unpack.js';
