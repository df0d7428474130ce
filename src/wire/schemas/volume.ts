/** Volume request bodies as moby v28 declares them (api/types/volume). */
import { str, strMap, struct, type Static } from './go-types.js';

/** The body of `POST /volumes/create` (ClusterVolumeSpec is for swarm, which berth has not). */
export const VolumeCreateRequest = struct('CreateOptions', 'volume.CreateOptions', { Driver: str(), DriverOpts: strMap(), Labels: strMap(), Name: str() });
export type VolumeCreateRequest = Static<typeof VolumeCreateRequest>;
