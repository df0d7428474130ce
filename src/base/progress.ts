/**
 * Progress of long operations, reported by domain code and rendered by `api/` as Docker's
 * JSON message stream. Domain code never sees HTTP.
 */
export interface ProgressEvent {
  /** Docker's 12-hex layer id, or an image name; absent for whole-operation messages. */
  id?: string;
  /** e.g. "Loading layer", "Extracting", "Pull complete". */
  status: string;
  current?: number;
  total?: number;
  /** Free text for the `stream` field (e.g. "Loaded image: busybox:latest\n"). */
  stream?: string;
}

export type ProgressSink = (event: ProgressEvent) => void;

export const noProgress: ProgressSink = () => {};
