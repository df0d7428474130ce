import { invalidArgument } from '../../base/errors.js';
import { FilterArgs } from '../../base/filters.js';
import type { Volume } from '../../volumes/index.js';
import { queryBool, readBody, sendEmpty, sendJson, type Route } from '../context.js';
import * as wire from '../../wire/index.js';
import type { EngineServices } from '../services.js';

type Json = Record<string, unknown>;

export function toWireVolume(v: Volume): Json {
  return { CreatedAt: v.createdAt, Driver: v.driver, Labels: v.labels, Mountpoint: v.mountpoint, Name: v.name, Options: v.options, Scope: 'local' };
}

/** moby's filters.Match: the value is a regular expression over the name. */
function nameMatches(pattern: string, name: string): boolean {
  try {
    return new RegExp(pattern).test(name);
  } catch {
    return name.includes(pattern);
  }
}

function labelsExcluded(f: FilterArgs, labels: Record<string, string> | null): boolean {
  return f.get('label!').some((l) => {
    const eq = l.indexOf('=');
    const k = eq < 0 ? l : l.slice(0, eq);
    return labels !== null && k in labels && (eq < 0 || labels[k] === l.slice(eq + 1));
  });
}

export function volumeRoutes(s: EngineServices): Route[] {
  return [
    ['GET', '/volumes', async (ctx) => {
      const f = FilterArgs.parse(ctx.query.get('filters'));
      f.validate(['dangling', 'name', 'label', 'driver']);
      const dangling = f.bool('dangling');
      const vols = s.volumes.list().filter(
        (v) =>
          (dangling === undefined || dangling === (v.refs.length === 0)) &&
          (!f.has('name') || f.get('name').some((n) => n === v.name || nameMatches(n, v.name))) &&
          (!f.has('driver') || f.get('driver').includes(v.driver)) &&
          f.matchLabels('label', v.labels),
      );
      sendJson(ctx.res, 200, { Volumes: vols.map(toWireVolume), Warnings: null });
    }],
    ['POST', '/volumes/create', async (ctx) => {
      const body = (await readBody(ctx, wire.VolumeCreateRequest)) ?? {};
      const v = await s.volumes.create({
        name: body.Name,
        driver: body.Driver,
        ...(body.Labels ? { labels: body.Labels } : {}),
        ...(body.DriverOpts ? { options: body.DriverOpts } : {}),
      });
      sendJson(ctx.res, 201, toWireVolume(v));
    }],
    ['POST', '/volumes/prune', async (ctx) => {
      const f = FilterArgs.parse(ctx.query.get('filters'));
      f.validate(['label', 'label!', 'all']);
      if (f.get('all').length > 1) throw invalidArgument(`invalid filter 'all=${f.get('all').join(',')}': only one value is expected`);
      // API 1.42 and later prune anonymous volumes only, unless all=true.
      const all = ctx.apiMinor < 42 || f.bool('all') === true;
      const r = await s.volumes.prune((v) => f.matchLabels('label', v.labels) && !labelsExcluded(f, v.labels), all);
      sendJson(ctx.res, 200, { VolumesDeleted: r.deleted, SpaceReclaimed: r.reclaimed });
    }],
    ['GET', '/volumes/:name', async (ctx) => sendJson(ctx.res, 200, toWireVolume(s.volumes.get(ctx.params.name!)))],
    ['DELETE', '/volumes/:name', async (ctx) => {
      await s.volumes.remove(ctx.params.name!, { force: queryBool(ctx.query, 'force') });
      sendEmpty(ctx.res, 204);
    }],
  ];
}
