/**
 * `berth system df [-v]`, after docker/cli 28.2's system/df.go and formatter/disk_usage.go: the
 * summary of images, containers, local volumes and build cache (active, size, reclaimable), and
 * with `-v` one table per kind (`VOLUME NAME  LINKS  SIZE` for volumes).
 */
import type { CliContext } from '../context.js';
import { formatOutput } from '../format/table.js';
import { compileTemplate } from '../format/template.js';
import { createdAgo, humanSizeWithPrecision } from '../format/units.js';
import { familiarName, parseImageRef } from '../reference.js';
import { IMAGE_HEADERS, type WireImage } from './images.js';
import { containerRow, HEADERS as CONTAINER_HEADERS, type WireContainer } from './ps.js';
import { formatRow, goTime, truncateId } from './shared.js';
import { VOLUME_HEADERS, volumeRow, type WireVolume } from './volumes.js';

/** An image as `/system/df` lists it: the image list's fields without labels. */
type WireDfImage = Omit<WireImage, 'Labels'>;

interface WireBuildCache {
  ID: string;
  Parent?: string;
  Parents?: string[] | null;
  Description?: string;
  Type: string;
  Size: number;
  CreatedAt: string;
  LastUsedAt: string | null;
  UsageCount: number;
  InUse: boolean;
  Shared: boolean;
}

/** The reply of `GET /system/df`. */
export interface WireDiskUsage {
  LayersSize: number;
  Images: WireDfImage[] | null;
  Containers: WireContainer[] | null;
  Volumes: WireVolume[] | null;
  BuildCache: WireBuildCache[] | null;
}

/** go-units `HumanSize` (four significant digits), the size of every summary column. */
const humanSize4 = (n: number): string => humanSizeWithPrecision(n, 4);

/** `123.5kB (50%)`, the percentage truncated as Go's integer division does. */
function reclaimable(reclaim: number, total: number): string {
  return total > 0 ? `${humanSize4(reclaim)} (${Math.trunc((reclaim * 100) / total)}%)` : humanSize4(reclaim);
}

const SUMMARY_FORMAT = 'table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}';
const SUMMARY_RAW = 'type: {{.Type}}\ntotal: {{.TotalCount}}\nactive: {{.Active}}\nsize: {{.Size}}\nreclaimable: {{.Reclaimable}}\n';
const SUMMARY_HEADERS = { Type: 'TYPE', TotalCount: 'TOTAL', Active: 'ACTIVE', Size: 'SIZE', Reclaimable: 'RECLAIMABLE' };

const isActiveContainer = (c: WireContainer): boolean => ['running', 'paused', 'restarting'].includes(c.State);

/** The four summary rows (`{{json .}}` keys sorted, as docker's contexts marshal them). */
export function summaryRows(d: WireDiskUsage): Record<string, unknown>[] {
  const images = d.Images ?? [];
  const containers = d.Containers ?? [];
  const volumes = d.Volumes ?? [];
  const cache = d.BuildCache ?? [];
  let imagesUsed = 0;
  for (const i of images) if (i.Containers !== 0 && i.Size !== -1 && i.SharedSize !== -1) imagesUsed += i.Size - i.SharedSize;
  const containersSize = containers.reduce((n, c) => n + (c.SizeRw ?? 0), 0);
  const containersReclaim = containers.reduce((n, c) => n + (isActiveContainer(c) ? 0 : (c.SizeRw ?? 0)), 0);
  let volumesSize = 0;
  let volumesReclaim = 0;
  for (const v of volumes) {
    const size = v.UsageData?.Size ?? -1;
    if (size === -1) continue;
    volumesSize += size;
    if ((v.UsageData?.RefCount ?? 0) === 0) volumesReclaim += size;
  }
  const builderSize = builderSizeOf(cache);
  const inUse = cache.reduce((n, b) => n + (b.InUse && !b.Shared ? b.Size : 0), 0);
  const row = (Type: string, total: number, active: number, Size: string, Reclaimable: string): Record<string, unknown> =>
    formatRow({ Type, TotalCount: String(total), Active: String(active), Size, Reclaimable });
  return [
    row('Images', images.length, images.filter((i) => i.Containers > 0).length, humanSize4(d.LayersSize), reclaimable(d.LayersSize - imagesUsed, d.LayersSize)),
    row('Containers', containers.length, containers.filter(isActiveContainer).length, humanSize4(containersSize), reclaimable(containersReclaim, containersSize)),
    row('Local Volumes', volumes.length, volumes.filter((v) => (v.UsageData?.RefCount ?? 0) > 0).length, humanSize4(volumesSize), reclaimable(volumesReclaim, volumesSize)),
    row('Build Cache', cache.length, cache.filter((b) => b.InUse).length, humanSize4(builderSize), humanSize4(builderSize - inUse)),
  ];
}

const builderSizeOf = (cache: WireBuildCache[]): number => cache.reduce((n, b) => n + (b.Shared ? 0 : b.Size), 0);

/** docker's imageContext in the verbose listing: the first tag only, `<none>` for dangling images. */
function imageRow(i: WireDfImage, trunc: boolean): Record<string, unknown> {
  let repo = '<none>';
  let tag = '<none>';
  const tags = i.RepoTags ?? [];
  const digests = i.RepoDigests ?? [];
  const dangling = (tags.length === 0 && digests.length === 0) || (tags.length === 1 && tags[0] === '<none>:<none>' && digests.length === 1 && digests[0] === '<none>@<none>');
  if (tags.length > 0 && !dangling) {
    const ref = parseImageRef(tags[0]!);
    if (ref.tag !== undefined) {
      repo = familiarName(ref);
      tag = ref.tag;
    }
  }
  return formatRow({
    Containers: i.Containers === -1 ? 'N/A' : String(i.Containers),
    CreatedAt: () => goTime(i.Created),
    CreatedSince: () => createdAgo(i.Created),
    Digest: '',
    ID: trunc ? truncateId(i.Id) : i.Id,
    Repository: repo,
    SharedSize: i.SharedSize === -1 ? 'N/A' : humanSize4(i.SharedSize),
    Size: humanSizeWithPrecision(i.Size, 3),
    Tag: tag,
    UniqueSize: i.Size === -1 || i.SharedSize === -1 ? 'N/A' : humanSize4(i.Size - i.SharedSize),
    VirtualSize: humanSize4(i.Size),
  });
}

const BUILD_CACHE_HEADERS = {
  ID: 'CACHE ID', Parent: 'PARENT', CacheType: 'CACHE TYPE', Size: 'SIZE', CreatedSince: 'CREATED', LastUsedSince: 'LAST USED',
  UsageCount: 'USAGE', InUse: 'IN USE', Shared: 'SHARED', Description: 'DESCRIPTION',
};

/** Go's `time.Time.String()` of an RFC 3339 UTC time: `2026-11-21 00:00:00 +0000 UTC`. */
function goUtcTime(t: string): string {
  const iso = new Date(t).toISOString();
  const frac = /\.(\d+)/.exec(t)?.[1]?.replace(/0+$/, '') ?? '';
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${frac ? `.${frac}` : ''} +0000 UTC`;
}

/** docker's buildCacheContext: `*` marks a record in use. */
function buildCacheRow(b: WireBuildCache, trunc: boolean): Record<string, unknown> {
  const since = (t: string | null): string => (t ? createdAgo(Date.parse(t) / 1000) : '');
  const parent = b.Parents?.length ? b.Parents.join(', ') : (b.Parent ?? '');
  return formatRow({
    CacheType: b.Type,
    CreatedAt: () => goUtcTime(b.CreatedAt),
    CreatedSince: () => since(b.CreatedAt),
    Description: b.Description ?? '',
    ID: `${trunc ? truncateId(b.ID) : b.ID}${b.InUse ? '*' : ''}`,
    InUse: String(b.InUse),
    LastUsedAt: () => (b.LastUsedAt ? goUtcTime(b.LastUsedAt) : ''),
    LastUsedSince: () => since(b.LastUsedAt),
    Parent: trunc ? truncateId(parent) : parent,
    Shared: String(b.Shared),
    Size: humanSizeWithPrecision(b.Size, 3),
    UsageCount: String(b.UsageCount),
  });
}

/** buildCacheSort: never-used records first, then by last use, ties by ID. */
function sortBuildCache(cache: WireBuildCache[]): WireBuildCache[] {
  const byId = (a: WireBuildCache, b: WireBuildCache): number => (a.ID < b.ID ? -1 : a.ID > b.ID ? 1 : 0);
  return [...cache].sort((a, b) => {
    if (!a.LastUsedAt || !b.LastUsedAt) return !a.LastUsedAt && !b.LastUsedAt ? byId(a, b) : !a.LastUsedAt ? -1 : 1;
    const d = Date.parse(a.LastUsedAt) - Date.parse(b.LastUsedAt);
    return d !== 0 ? d : byId(a, b);
  });
}

/**
 * The `system df` output. Without `-v`: the summary table (or `--format`, `raw`, `json`). With
 * `-v` and no format: the four tables under their titles; with a format, that template run once
 * over `{Images, Containers, Volumes, BuildCache}`.
 */
export function renderDiskUsage(d: WireDiskUsage, o: { format?: string; verbose?: boolean }): string {
  const format = o.format || 'table';
  if (!o.verbose) return formatOutput(format === 'raw' ? SUMMARY_RAW : format, SUMMARY_FORMAT, summaryRows(d), SUMMARY_HEADERS);
  const trunc = format.startsWith('table');
  const images = (d.Images ?? []).map((i) => imageRow(i, trunc));
  const containers = (d.Containers ?? []).map((c) => containerRow({ ...c, SizeRootFs: 0 }, trunc));
  const volumes = (d.Volumes ?? []).map(volumeRow);
  const cache = sortBuildCache(d.BuildCache ?? []).map((b) => buildCacheRow(b, trunc));
  if (format !== 'table') {
    const text = format === 'json' ? '{{json .}}' : format.replace(/^table/, '').replace(/^ +| +$/g, '').replace(/\\[tn]/g, (m) => (m === '\\t' ? '\t' : '\n'));
    return compileTemplate(text)({ Images: images, Containers: containers, Volumes: volumes, BuildCache: cache });
  }
  const table = (tpl: string, rows: object[], headers: Record<string, unknown>): string => formatOutput(tpl, tpl, rows, headers);
  return [
    'Images space usage:\n\n',
    table('table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}\t{{.SharedSize}}\t{{.UniqueSize}}\t{{.Containers}}', images, IMAGE_HEADERS),
    '\nContainers space usage:\n\n',
    table('table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.LocalVolumes}}\t{{.Size}}\t{{.RunningFor}}\t{{.Status}}\t{{.Names}}', containers, CONTAINER_HEADERS),
    '\nLocal Volumes space usage:\n\n',
    table('table {{.Name}}\t{{.Links}}\t{{.Size}}', volumes, VOLUME_HEADERS),
    `\nBuild cache usage: ${humanSize4(builderSizeOf(d.BuildCache ?? []))}\n\n`,
    table('table {{.ID}}\t{{.CacheType}}\t{{.Size}}\t{{.CreatedSince}}\t{{.LastUsedSince}}\t{{.UsageCount}}\t{{.Shared}}', cache, BUILD_CACHE_HEADERS),
  ].join('');
}

export async function diskUsage(ctx: CliContext, o: { format?: string; verbose?: boolean }): Promise<void> {
  ctx.out.write(renderDiskUsage(await ctx.client.json<WireDiskUsage>('GET', '/system/df'), o));
}
