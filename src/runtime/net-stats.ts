import { readFileSync } from 'node:fs';

/** Docker's per-interface counters in the stats API. */
export interface NetStats {
  rx_bytes: number;
  rx_packets: number;
  rx_errors: number;
  rx_dropped: number;
  tx_bytes: number;
  tx_packets: number;
  tx_errors: number;
  tx_dropped: number;
}

/**
 * The interfaces of a process's network namespace, from /proc/<pid>/net/dev (what moby reads
 * over netlink), without `lo` as Docker shows them. Undefined when the process is gone.
 */
export function readNetStats(pid: number, procRoot = '/proc'): Record<string, NetStats> | undefined {
  let text: string;
  try {
    text = readFileSync(`${procRoot}/${pid}/net/dev`, 'utf8');
  } catch {
    return undefined;
  }
  return parseNetDev(text);
}

export function parseNetDev(text: string): Record<string, NetStats> {
  const out: Record<string, NetStats> = {};
  for (const line of text.split('\n').slice(2)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    if (name === 'lo') continue;
    const f = line.slice(colon + 1).trim().split(/\s+/).map(Number);
    out[name] = { rx_bytes: f[0]!, rx_packets: f[1]!, rx_errors: f[2]!, rx_dropped: f[3]!, tx_bytes: f[8]!, tx_packets: f[9]!, tx_errors: f[10]!, tx_dropped: f[11]! };
  }
  return out;
}
