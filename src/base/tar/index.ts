/** Tar handling for image layers. */
export {
  extractTar,
  TarExtractor,
  type ExtractOptions,
  type ExtractResult,
  type TarExtractorOptions,
  type TarSource,
  type WhiteoutMode,
} from './extract.js';
export { cleanName } from './paths.js';
export { writeLayerTar, type LayerWriteOptions } from './layer-writer.js';
export { writeSplitTar, readSplit, TarSplitter } from './tar-split.js';
export { ustarHeader, padding, type UstarEntry } from './ustar.js';
export { startMemberSum, tarsumHeaderFields, type TarsumFields } from './tarsum.js';
