/** One volume as persisted in `<root>/<name>/volume.json`; its data lives in `<root>/<name>/_data`. */
export interface VolumeRecord {
  schemaVersion: 1;
  name: string;
  driver: 'local';
  /** null when the creator gave none (a volume `-v name:/dst` made), as Docker shows it. */
  labels: Record<string, string> | null;
  /** The local driver's options (`type`, `device`, `o`) as given, or null. */
  options: Record<string, string> | null;
  createdAt: string;
}

/** Docker marks volumes it made for a container (`-v /path`, an image's VOLUME) with this label. */
export const ANONYMOUS_LABEL = 'com.docker.volume.anonymous';

export interface Volume extends VolumeRecord {
  mountpoint: string;
  /** Containers (any state) whose mounts use the volume. */
  refs: string[];
}
