import { createHash } from 'node:crypto';
import tar from 'tar-stream';

export interface TarEntry {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'character-device' | 'block-device' | 'fifo';
  data?: Buffer | string;
  linkname?: string;
  mode?: number;
  devmajor?: number;
  devminor?: number;
}

/** Builds a tar in memory (test fixtures: layers, hostile archives, save-format archives). */
export async function makeTar(entries: TarEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => {
    chunks.push(c as Buffer);
  });
  const done = new Promise<void>((r) => pack.on('end', () => r()));
  for (const e of entries) {
    const data = e.data === undefined ? undefined : Buffer.from(e.data);
    await new Promise<void>((resolve, reject) => {
      const header = {
        name: e.name,
        type: e.type ?? 'file',
        mode: e.mode ?? (e.type === 'directory' ? 0o755 : 0o644),
        mtime: new Date(1_700_000_000_000),
        ...(e.linkname !== undefined ? { linkname: e.linkname } : {}),
        ...(e.devmajor !== undefined ? { devmajor: e.devmajor, devminor: e.devminor ?? 0 } : {}),
        ...(data ? { size: data.length } : {}),
      };
      const cb = (err?: unknown): void => (err ? reject(err as Error) : resolve());
      if (data !== undefined) pack.entry(header, data, cb);
      else pack.entry(header, cb);
    });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

export const sha = (b: Buffer | string): string => 'sha256:' + createHash('sha256').update(b).digest('hex');

/**
 * A Docker-save style archive of one image made of the given layer tars: blobs named by digest,
 * manifest.json and index.json, as `docker save` writes them.
 */
export async function makeImageArchive(layers: Buffer[], repoTag: string | undefined, extra: Partial<{ cmd: string[]; labels: Record<string, string>; created: string }> = {}): Promise<{ archive: Buffer; id: string }> {
  const diffIds = layers.map((l) => sha(l));
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      created: extra.created ?? '2024-01-01T00:00:00Z',
      config: { Cmd: extra.cmd ?? ['sh'], Labels: extra.labels ?? null },
      rootfs: { type: 'layers', diff_ids: diffIds },
      history: layers.map((_, i) => ({ created: '2024-01-01T00:00:00Z', created_by: `layer ${i}` })),
    }),
  );
  const id = sha(config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: id, size: config.length },
      layers: layers.map((l, i) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: diffIds[i], size: l.length })),
    }),
  );
  const hex = (d: string): string => d.slice(7);
  const entries: TarEntry[] = [
    { name: 'blobs/', type: 'directory' },
    { name: 'blobs/sha256/', type: 'directory' },
    ...layers.map((l, i) => ({ name: `blobs/sha256/${hex(diffIds[i]!)}`, data: l })),
    { name: `blobs/sha256/${hex(id)}`, data: config },
    { name: `blobs/sha256/${hex(sha(manifest))}`, data: manifest },
    {
      name: 'index.json',
      data: JSON.stringify({
        schemaVersion: 2,
        manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha(manifest), size: manifest.length, ...(repoTag ? { annotations: { 'io.containerd.image.name': repoTag } } : {}) }],
      }),
    },
    {
      name: 'manifest.json',
      data: JSON.stringify([{ Config: `blobs/sha256/${hex(id)}`, RepoTags: repoTag ? [repoTag] : [], Layers: diffIds.map((d) => `blobs/sha256/${hex(d)}`) }]),
    },
    { name: 'oci-layout', data: '{"imageLayoutVersion":"1.0.0"}' },
  ];
  return { archive: await makeTar(entries), id };
}
