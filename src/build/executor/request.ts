/** What a build is asked to do: POST /build's parameters, converted once by api/. */
import type { AuthConfigs, StepHostOptions } from './types.js';

export interface BuildRequest {
  /** `dockerfile`: its path in the context (default `Dockerfile`). */
  dockerfile: string;
  /** `t`, as given (validated and normalized before the build starts). */
  tags: string[];
  /** `q`: only the image ID is printed. */
  quiet: boolean;
  noCache: boolean;
  /** `pull`: always pull FROM images (and COPY --from images). */
  pull: boolean;
  /** `rm`: remove build containers (default true). */
  remove: boolean;
  /** `forcerm`: remove them even after a failure. */
  forceRemove: boolean;
  /** `buildargs`: a null value names an arg the client had no value for. */
  buildArgs: Map<string, string | null>;
  labels: Record<string, string>;
  cacheFrom: string[];
  target: string;
  /** `platform`, as given (`linux/amd64`), or ''. */
  platform: string;
  /** `remote`: a git URL or the URL of a tarball or Dockerfile, or ''. */
  remote: string;
  host: StepHostOptions;
  auth: AuthConfigs;
}

/** A request with Docker's defaults, for callers that set a few fields. */
export function defaultBuildRequest(): BuildRequest {
  return {
    dockerfile: '',
    tags: [],
    quiet: false,
    noCache: false,
    pull: false,
    remove: true,
    forceRemove: false,
    buildArgs: new Map(),
    labels: {},
    cacheFrom: [],
    target: '',
    platform: '',
    remote: '',
    host: { networkMode: '', extraHosts: [], shmSize: 0, memory: 0, memorySwap: 0, cpuShares: 0, cpuPeriod: 0, cpuQuota: 0, cpusetCpus: '', cpusetMems: '', cgroupParent: '', ulimits: [] },
    auth: {},
  };
}
