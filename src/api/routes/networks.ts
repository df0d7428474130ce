import { invalidArgument, notFound } from '../../base/errors.js';
import { FilterArgs, parseTimestamp } from '../../base/filters.js';
import { readBody, sendJson, type Route } from '../context.js';
import * as wire from '../../wire/index.js';
import { networkToWire } from '../network-wire.js';
import { networkListDetailed } from '../version-quirks.js';
import type { EngineServices } from '../services.js';

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
      sendJson(ctx.res, 200, nets.map((n) => networkToWire(n, s.networks, networkListDetailed(ctx.apiMinor))));
    }],
    ['GET', '/networks/:id', async (ctx) => {
      const n = s.networks.find(ctx.params.id!);
      // Every network of berth's is local: asking for another scope finds none, as with moby.
      const scope = ctx.query.get('scope');
      if (scope && scope !== 'local') throw notFound(`network ${ctx.params.id!} not found`);
      sendJson(ctx.res, 200, networkToWire(n, s.networks, true));
    }],
    ['POST', '/networks/create', async (ctx) => {
      const body = (await readBody(ctx, wire.NetworkCreateRequest)) ?? {};
      const ipam = body.IPAM ?? {};
      const n = await s.networks.create({
        name: body.Name ?? '',
        driver: body.Driver,
        internal: body.Internal ?? false,
        attachable: body.Attachable ?? false,
        labels: body.Labels ?? {},
        options: body.Options ?? {},
        // EnableIPv4 came with API 1.48; older clients' bodies do not mean it.
        enableIPv4: ctx.apiMinor >= 48 ? (body.EnableIPv4 ?? undefined) : undefined,
        enableIPv6: body.EnableIPv6 ?? undefined,
        scope: body.Scope,
        ingress: body.Ingress ?? false,
        ipam: {
          driver: ipam.Driver,
          options: ipam.Options ?? {},
          config: (ipam.Config ?? []).map((c) => ({ subnet: c.Subnet, gateway: c.Gateway, ipRange: c.IPRange, auxAddresses: c.AuxiliaryAddresses ?? {} })),
        },
      });
      sendJson(ctx.res, 201, { Id: n.id, Warning: '' });
    }],
    ['DELETE', '/networks/:id', async (ctx) => {
      await s.networks.remove(ctx.params.id!);
      ctx.res.writeHead(204).end();
    }],
    ['POST', '/networks/:id/connect', async (ctx) => {
      const body = (await readBody(ctx, wire.NetworkConnectRequest)) ?? {};
      const ep = body.EndpointConfig ?? {};
      await s.containers.connect(body.Container ?? '', ctx.params.id!, {
        aliases: ep.Aliases ?? [],
        ipv4Address: ep.IPAMConfig?.IPv4Address ?? '',
        ipv6Address: ep.IPAMConfig?.IPv6Address ?? '',
        linkLocalIps: ep.IPAMConfig?.LinkLocalIPs ?? [],
        macAddress: ep.MacAddress ?? '',
        driverOpts: ep.DriverOpts ?? {},
        links: ep.Links ?? [],
      });
      sendJson(ctx.res, 200, null);
    }],
    ['POST', '/networks/:id/disconnect', async (ctx) => {
      const body = (await readBody(ctx, wire.NetworkDisconnectRequest)) ?? {};
      await s.containers.disconnect(body.Container ?? '', ctx.params.id!);
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
