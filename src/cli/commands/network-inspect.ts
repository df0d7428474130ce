/**
 * A network as docker's templates see it: the `network.Inspect` struct the docker CLI decodes
 * the daemon's reply into (field order, Go's printing of maps, nil maps and times, `json`'s
 * omitempty fields), and the raw JSON it falls back to when a template fails on the struct.
 */
import { GoTime } from '../format/go-time.js';

/** A network as `GET /networks` and `GET /networks/{id}` return it. */
export interface WireNetwork {
  Name: string;
  Id: string;
  Created?: string;
  Scope: string;
  Driver: string;
  EnableIPv4?: boolean;
  EnableIPv6?: boolean;
  IPAM?: { Driver?: string; Options?: Record<string, string> | null; Config?: { Subnet?: string; IPRange?: string; Gateway?: string; AuxiliaryAddresses?: Record<string, string> }[] | null } | null;
  Internal?: boolean;
  Attachable?: boolean;
  Ingress?: boolean;
  ConfigFrom?: { Network?: string } | null;
  ConfigOnly?: boolean;
  Containers?: Record<string, { Name?: string; EndpointID?: string; MacAddress?: string; IPv4Address?: string; IPv6Address?: string }> | null;
  Options?: Record<string, string> | null;
  Labels?: Record<string, string> | null;
  Peers?: { Name?: string; IP?: string }[] | null;
  Services?: Record<string, unknown> | null;
}

/** A nil Go map: prints `map[]`, marshals as `null`. */
class NilMap extends Map<string, unknown> {
  toJSON(): null {
    return null;
  }
}

/** A nil Go slice: prints `[]`, marshals as `null`. */
class NilSlice extends Array<unknown> {
  toJSON(): null {
    return null;
  }
}

/** A Go map (sorted when printed or marshalled), nil when the reply had none. */
function goMap<T>(m: Record<string, T> | null | undefined, convert: (v: T) => unknown = (v) => v): Map<string, unknown> {
  if (!m) return new NilMap();
  return new Map(Object.entries(m).map(([k, v]) => [k, convert(v)]));
}

function goSlice<T>(xs: T[] | null | undefined, convert: (v: T) => unknown): unknown[] {
  return xs ? xs.map(convert) : new NilSlice();
}

const isEmpty = (v: unknown): boolean =>
  v === '' || v === 0 || v === false || v === null || v === undefined || (v instanceof Map && v.size === 0) || (Array.isArray(v) && v.length === 0);

/**
 * A Go struct: a class named after the Go type (for error messages) whose own fields are the
 * struct's in order (`{{.}}` prints them so). `json` marshals it with the JSON names (`ID` as
 * `Id`) and leaves out empty `omitempty` fields.
 */
function goStruct(type: string, fields: [name: string, value: unknown, json?: string, omitEmpty?: boolean][]): object {
  const cls = class {};
  Object.defineProperty(cls, 'name', { value: type });
  const struct = new cls() as Record<string, unknown>;
  for (const [name, value] of fields) struct[name] = value;
  const toJSON = (): Record<string, unknown> =>
    Object.fromEntries(fields.filter(([, v, , omit]) => !(omit && isEmpty(v))).map(([name, v, json]) => [json ?? name, v]));
  Object.defineProperty(struct, 'toJSON', { value: toJSON, enumerable: false });
  return struct;
}

/** The `network.Inspect` the docker CLI decodes a network into, for `inspect -f` and `.CreatedAt`. */
export function typedNetwork(n: WireNetwork): { Created: GoTime } & object {
  const ipam = n.IPAM ?? {};
  const struct = goStruct('network.Inspect', [
    ['Name', n.Name ?? ''],
    ['ID', n.Id ?? '', 'Id'],
    ['Created', new GoTime(n.Created ?? '0001-01-01T00:00:00Z')],
    ['Scope', n.Scope ?? ''],
    ['Driver', n.Driver ?? ''],
    ['EnableIPv4', Boolean(n.EnableIPv4)],
    ['EnableIPv6', Boolean(n.EnableIPv6)],
    ['IPAM', goStruct('network.IPAM', [
      ['Driver', ipam.Driver ?? ''],
      ['Options', goMap(ipam.Options)],
      ['Config', goSlice(ipam.Config, (c) => goStruct('network.IPAMConfig', [
        ['Subnet', c.Subnet ?? '', undefined, true],
        ['IPRange', c.IPRange ?? '', undefined, true],
        ['Gateway', c.Gateway ?? '', undefined, true],
        ['AuxAddress', goMap(c.AuxiliaryAddresses), 'AuxiliaryAddresses', true],
      ]))],
    ])],
    ['Internal', Boolean(n.Internal)],
    ['Attachable', Boolean(n.Attachable)],
    ['Ingress', Boolean(n.Ingress)],
    ['ConfigFrom', goStruct('network.ConfigReference', [['Network', n.ConfigFrom?.Network ?? '']])],
    ['ConfigOnly', Boolean(n.ConfigOnly)],
    ['Containers', goMap(n.Containers, (e) => goStruct('network.EndpointResource', [
      ['Name', e.Name ?? ''],
      ['EndpointID', e.EndpointID ?? ''],
      ['MacAddress', e.MacAddress ?? ''],
      ['IPv4Address', e.IPv4Address ?? ''],
      ['IPv6Address', e.IPv6Address ?? ''],
    ]))],
    ['Options', goMap(n.Options)],
    ['Labels', goMap(n.Labels)],
    ['Peers', goSlice(n.Peers, (p) => goStruct('network.PeerInfo', [['Name', p.Name ?? ''], ['IP', p.IP ?? '']])), undefined, true],
    ['Services', goMap(n.Services), undefined, true],
  ]);
  return struct as { Created: GoTime } & object;
}

/** The raw reply as docker's fallback decodes it: objects as Go maps (`map[string]interface{}`). */
export function rawTemplateData(raw: string): unknown {
  const convert = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(convert);
    if (v !== null && typeof v === 'object') return new Map(Object.entries(v).map(([k, x]) => [k, convert(x)]));
    return v;
  };
  return convert(JSON.parse(raw));
}
