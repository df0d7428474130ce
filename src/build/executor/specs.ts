/** Values some instructions take, checked as moby checks them (go-connections/nat, moby/sys/signal). */
import { constants } from 'node:os';
import { invalidArgument } from '../../base/errors.js';

/** EXPOSE: `80`, `80/udp`, `8000-8002/tcp` → `80/tcp`… (nat.ParsePortSpecs, container side only). */
export function parsePortSpecs(specs: readonly string[]): string[] {
  const out: string[] = [];
  for (const raw of specs) {
    const slash = raw.lastIndexOf('/');
    const portPart = slash < 0 ? raw : raw.slice(0, slash);
    const proto = slash < 0 ? 'tcp' : raw.slice(slash + 1).toLowerCase();
    if (!['tcp', 'udp', 'sctp'].includes(proto)) throw invalidArgument(`invalid proto: ${proto}`);
    const container = portPart.split(':').pop() ?? '';
    const m = /^(\d+)(?:-(\d+))?$/.exec(container);
    const start = m ? Number(m[1]) : Number.NaN;
    const end = m?.[2] !== undefined ? Number(m[2]) : start;
    if (!m || start > 65535 || end > 65535 || end < start) throw invalidArgument(`invalid containerPort: ${container}`);
    for (let p = start; p <= end; p++) out.push(`${p}/${proto}`);
  }
  return out;
}

const RT_NAMES = ((): Map<string, number> => {
  const m = new Map<string, number>([['RTMIN', 34], ['RTMAX', 64]]);
  for (let i = 1; i <= 15; i++) m.set(`RTMIN+${i}`, 34 + i);
  for (let i = 1; i <= 14; i++) m.set(`RTMAX-${i}`, 64 - i);
  return m;
})();

/** STOPSIGNAL: a signal name (with or without SIG) or a non-zero number (signal.ParseSignal). */
export function parseSignal(raw: string): number {
  if (/^-?\d+$/.test(raw)) {
    const n = Number(raw);
    if (n === 0) throw invalidArgument(`Invalid signal: ${raw}`);
    return n;
  }
  const name = raw.toUpperCase().replace(/^SIG/, '');
  const known = (constants.signals as Record<string, number>)[`SIG${name}`] ?? RT_NAMES.get(name) ?? (name === 'CLD' ? 17 : undefined);
  if (known === undefined) throw invalidArgument(`Invalid signal: ${raw}`);
  return known;
}
