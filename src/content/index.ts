export type { BlobInfo, ContentStore, IngestOptions } from './content-store.js';
export { FsContentStore } from './fs-content-store.js';
