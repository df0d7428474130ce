import { invalidArgument, notFound } from '../../base/errors.js';
import { FilterArgs, parseTimestamp } from '../../base/filters.js';
import { readJson, sendJson, type Route } from '../context.js';
import { networkToWire } from '../network-wire.js';
import type { EngineServices } from '../services.js';

type Json = Record<string, unknown>;

const obj = (v: unknown, what: string): Json => {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw invalidArgument(`json: cannot unmarshal ${what}: expected an object`);
  return v as Json;
};
const str = (v: unknown, what: string): string | undefined => {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw invalidArgument(`json: cannot unmarshal ${typeof v} into Go struct field ${what} of type string`);
  return v;
};
const strMap = (v: unknown, what: string): Record<string, string> => {
  const o = obj(v, what);
  for (const x of Object.values(o)) if (typeof x !== 'string') throw invalidArgument(`json: cannot unmarshal ${what}: expected strings`);
  return o as Record<string, string>;
};
const strList = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

export function networkRoutes(s: EngineServices): Route[] {
  return [
    ['GET', '/networks', async (ctx) => {
      const f = FilterArgs.parse(ctx.query.get('filters'));
      f.validate(['dangling', 'driver', 'id', 'label', 'name', 'scope', 'type']);
      for (const t of f.get('type')) if (t !== 'custom' && t !== 'builtin') throw invalidArgument(`invalid filter: 'type'='${t}'`);
      const dangling = f.bool('dangling');
      const nets = s.networks.list().filter((n) => {
        const builtin = s.networks.isPredefined(n);
        if (f.has('driver') && !f.get('driver').includes(n.driver)) return false;
        if (f.has('id') && !f.get('id').some((x) => n.id.includes(x))) return false;
        if (f.has('name') && !f.get('name').some((x) => n.name.includes(x))) return false;
        if (f.has('scope') && !f.get('scope').includes('local')) return false;
        if (f.has('type') && !f.get('type').includes(builtin ? 'builtin' : 'custom')) return false;
        if (!f.matchLabels('label', n.labels)) return false;
        if (dangling !== undefined && dangling !== (!builtin && usedBy(s, n.name) === 0)) return false;
        return true;
      });
      sendJson(ctx.res, 200, nets.map((n) => networkToWire(n, s.networks, false)));
    }],
    ['GET', '/networks/:id', async (ctx) => {
      const n = s.networks.find(ctx.params.id!);
      // Every network of berth's is local: asking for another scope finds none, as with moby.
      const scope = ctx.query.get('scope');
      if (scope && scope !== 'local') throw notFound(`network ${ctx.params.id!} not found`);
      sendJson(ctx.res, 200, networkToWire(n, s.networks, true));
    }],
    ['POST', '/networks/create', async (ctx) => {
      const body = (await readJson<Json>(ctx.req)) ?? {};
      const ipam = obj(body.IPAM, 'IPAM');
      const config = Array.isArray(ipam.Config) ? (ipam.Config as unknown[]).map((c) => obj(c, 'IPAM.Config')) : [];
      const n = await s.networks.create({
        name: str(body.Name, 'Name') ?? '',
        driver: str(body.Driver, 'Driver'),
        internal: body.Internal === true,
        attachable: body.Attachable === true,
        labels: strMap(body.Labels, 'Labels'),
        options: strMap(body.Options, 'Options'),
        // EnableIPv4 came with API 1.48; older clients' bodies do not mean it.
        enableIPv4: ctx.apiMinor >= 48 && typeof body.EnableIPv4 === 'boolean' ? body.EnableIPv4 : undefined,
        enableIPv6: typeof body.EnableIPv6 === 'boolean' ? body.EnableIPv6 : undefined,
        scope: str(body.Scope, 'Scope'),
        ingress: body.Ingress === true,
        ipam: {
          driver: str(ipam.Driver, 'IPAM.Driver'),
          options: strMap(ipam.Options, 'IPAM.Options'),
          config: config.map((c) => ({ subnet: str(c.Subnet, 'Subnet'), gateway: str(c.Gateway, 'Gateway'), ipRange: str(c.IPRange, 'IPRange'), auxAddresses: strMap(c.AuxiliaryAddresses, 'AuxiliaryAddresses') })),
        },
      });
      sendJson(ctx.res, 201, { Id: n.id, Warning: '' });
    }],
    ['DELETE', '/networks/:id', async (ctx) => {
      await s.networks.remove(ctx.params.id!);
      ctx.res.writeHead(204).end();
    }],
    ['POST', '/networks/:id/connect', async (ctx) => {
      const body = (await readJson<Json>(ctx.req)) ?? {};
      const ep = obj(body.EndpointConfig, 'EndpointConfig');
      const ipamCfg = obj(ep.IPAMConfig, 'IPAMConfig');
      await s.containers.connect(str(body.Container, 'Container') ?? '', ctx.params.id!, {
        aliases: strList(ep.Aliases),
        ipv4Address: str(ipamCfg.IPv4Address, 'IPv4Address') ?? '',
        ipv6Address: str(ipamCfg.IPv6Address, 'IPv6Address') ?? '',
        linkLocalIps: strList(ipamCfg.LinkLocalIPs),
        macAddress: str(ep.MacAddress, 'MacAddress') ?? '',
        driverOpts: strMap(ep.DriverOpts, 'DriverOpts'),
        links: strList(ep.Links),
      });
      sendJson(ctx.res, 200, null);
    }],
    ['POST', '/networks/:id/disconnect', async (ctx) => {
      const body = (await readJson<Json>(ctx.req)) ?? {};
      await s.containers.disconnect(str(body.Container, 'Container') ?? '', ctx.params.id!);
      sendJson(ctx.res, 200, null);
    }],
    ['POST', '/networks/prune', async (ctx) => {
      const f = FilterArgs.parse(ctx.query.get('filters'));
      f.validate(['label', 'label!', 'until']);
      const deleted: string[] = [];
      for (const n of s.networks.list()) {
        if (s.networks.isPredefined(n) || usedBy(s, n.name) > 0 || !f.matchLabels('label', n.labels)) continue;
        if (f.get('label!').some((l) => { const eq = l.indexOf('='); const k = eq < 0 ? l : l.slice(0, eq); return k in n.labels && (eq < 0 || n.labels[k] === l.slice(eq + 1)); })) continue;
        if (f.get('until').some((u) => Date.parse(n.created) >= parseTimestamp(u))) continue;
        await s.networks.remove(n.id).then(() => deleted.push(n.name), () => {});
      }
      sendJson(ctx.res, 200, { NetworksDeleted: deleted });
    }],
  ];
}

/** Containers (any state) configured on the network. */
function usedBy(s: EngineServices, name: string): number {
  return s.containers.list().filter((c) => c.networks && name in c.networks).length;
}
