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
  /**
   * A message about `id` rather than a progress update of it (`latest: Pulling from x`): sent
   * without `progressDetail`, so clients do not give it a line of its own to redraw.
   */
  note?: boolean;
}

export type ProgressSink = (event: ProgressEvent) => void;

export const noProgress: ProgressSink = () => {};
