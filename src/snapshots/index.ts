export type { LayerSnapshot, LayerStaging, Snapshotter } from './snapshotter.js';
export { OverlaySnapshotter } from './overlay-snapshotter.js';
