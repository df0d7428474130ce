import { FilterArgs } from '../base/filters.js';

export type EventType = 'container' | 'image' | 'volume' | 'network' | 'daemon' | 'plugin' | 'service' | 'node' | 'secret' | 'config';

/** One engine event as `GET /events` reports it (domain form; the API adds the legacy fields). */
export interface EngineEvent {
  type: EventType;
  action: string;
  actor: { id: string; attributes: Record<string, string> };
  scope: 'local' | 'swarm';
  /** Nanoseconds since the epoch. */
  timeNano: bigint;
}

export type EventListener = (e: EngineEvent) => void;

/**
 * The in-process event bus behind `GET /events`: publishers fire and forget; subscribers get
 * live events; the last `capacity` events are kept for `since` replays (Docker keeps 256).
 */
export class EventBus {
  private readonly ring: EngineEvent[] = [];
  private readonly listeners = new Set<EventListener>();
  private lastNano = 0n;

  constructor(private readonly capacity = 1024) {}

  publish(type: EventType, action: string, id: string, attributes: Record<string, string> = {}): EngineEvent {
    let now = BigInt(Date.now()) * 1_000_000n + BigInt(process.hrtime()[1] % 1_000_000);
    // Strictly increasing, so `since`/`until` bounds never split a burst unpredictably.
    if (now <= this.lastNano) now = this.lastNano + 1n;
    this.lastNano = now;
    const e: EngineEvent = { type, action, actor: { id, attributes }, scope: 'local', timeNano: now };
    this.ring.push(e);
    if (this.ring.length > this.capacity) this.ring.shift();
    for (const l of this.listeners) l(e);
    return e;
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Buffered events in [sinceNano, untilNano]. */
  history(sinceNano: bigint, untilNano?: bigint): EngineEvent[] {
    return this.ring.filter((e) => e.timeNano >= sinceNano && (untilNano === undefined || e.timeNano <= untilNano));
  }
}

const EVENT_FILTERS = ['config', 'container', 'daemon', 'event', 'image', 'label', 'network', 'node', 'plugin', 'scope', 'secret', 'service', 'type', 'volume'];

/** Docker's event filters (moby daemon/events/filter.go). */
export function eventMatcher(filters: FilterArgs): (e: EngineEvent) => boolean {
  filters.validate(EVENT_FILTERS);
  const any = (key: string, values: string[]): boolean => {
    const want = filters.get(key);
    return want.length === 0 || want.some((w) => values.includes(w));
  };
  return (e) => {
    const a = e.actor.attributes;
    if (!any('type', [e.type])) return false;
    if (!any('event', [e.action, e.action.split(':')[0]!])) return false;
    if (!any('scope', [e.scope])) return false;
    if (e.type === 'container' && !any('container', [e.actor.id, a.name ?? ''])) return false;
    if (e.type !== 'container' && filters.has('container')) return false;
    const imageNames = e.type === 'image' ? [e.actor.id, a.name ?? ''] : [a.image ?? ''];
    if (filters.has('image') && !any('image', imageNames.flatMap((n) => [n, n.split(':')[0]!]))) return false;
    for (const t of ['network', 'volume', 'daemon'] as const) {
      if (filters.has(t) && (e.type !== t || !any(t, [e.actor.id, a.name ?? '']))) return false;
    }
    return filters.matchLabels('label', a);
  };
}
