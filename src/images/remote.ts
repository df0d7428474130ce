/**
 * What images/ needs of a registry client to pull and push (distribution/ implements it and the
 * daemon wires it in): repositories opened with credentials, manifests and blobs by digest.
 */
import type { Readable } from 'node:stream';
import type { Digest } from '../base/digest.js';

/** Credentials for one registry, as the client sent them (X-Registry-Auth, POST /auth). */
export interface RegistryAuth {
  username?: string;
  password?: string;
  /** An OAuth2 refresh token (what `docker login` stores after a token server issued one). */
  identityToken?: string;
  /** A bearer token sent as is. */
  registryToken?: string;
  serverAddress?: string;
}

/**
 * What a registry's error answer carries beyond its message: the first error's code
 * (`MANIFEST_UNKNOWN`, `DENIED`, …) and that error alone in Go's words (`manifest unknown:
 * manifest unknown`), for moby's pull messages.
 */
export interface RemoteError {
  registryCode: string;
  firstError: string;
}

export interface RemoteDescriptor {
  mediaType: string;
  digest: Digest;
  size: number;
}

/** A manifest or index as fetched: its exact bytes, their digest and the type the registry gave. */
export interface FetchedManifest {
  descriptor: RemoteDescriptor;
  bytes: Buffer;
}

export interface UploadProgress {
  (bytes: number): void;
}

/**
 * Where a blob to upload comes from: a fresh iterable each call (an upload may be retried). A
 * chunk may be reused by the source once the next one is asked for: the consumer must be done
 * with it (written out) by then.
 */
export type BlobSource = () => AsyncIterable<Buffer>;

/** One repository on one registry, with its credentials resolved. Each call takes a signal. */
export interface RemoteRepository {
  /** `host/path` as Docker names it in messages (`127.0.0.1:5000/team/app`). */
  readonly name: string;
  /** The registry host (`docker.io`, `127.0.0.1:5000`). */
  readonly host: string;
  /** Repository path on the registry (`library/busybox`). */
  readonly path: string;
  /**
   * Resolves a tag or digest to its manifest (any image manifest or index type Docker accepts).
   * By digest, the bytes are verified against it. Throws NotFound-kind errors for unknown tags.
   */
  getManifest(reference: string, signal?: AbortSignal): Promise<FetchedManifest>;
  /** Every tag of the repository (follows pagination). */
  listTags(signal?: AbortSignal): Promise<string[]>;
  /** Reads a blob whole into memory (configs), verifying size and digest. */
  fetchBlob(desc: RemoteDescriptor, maxSize: number, signal?: AbortSignal): Promise<Buffer>;
  /**
   * Streams a blob in fresh buffers the consumer may keep, taken from `allocate` when given (a
   * pool the consumer refills). A connection lost on the way is resumed with a Range request
   * where the registry allows it, transparently; the bytes are not verified here.
   */
  openBlob(desc: RemoteDescriptor, signal?: AbortSignal, allocate?: () => Buffer): Readable;
  /** The blob's size when the repository has it (HEAD), else undefined. */
  statBlob(digest: Digest, signal?: AbortSignal): Promise<number | undefined>;
  /** Cross-repository mount from `fromPath` on the same registry; false when the registry would not. */
  mountBlob(digest: Digest, fromPath: string, signal?: AbortSignal): Promise<boolean>;
  /**
   * Uploads a blob whose digest is known only once it is read (POST, streamed PATCH, PUT);
   * `digest` is called after the source ended. Resolves with the digest the registry confirmed.
   */
  uploadBlob(source: BlobSource, digest: () => Digest, opts: { onProgress?: UploadProgress; signal?: AbortSignal }): Promise<Digest>;
  /** PUTs a manifest under a tag or its digest; resolves with the digest the registry reports. */
  putManifest(reference: string, mediaType: string, bytes: Buffer, signal?: AbortSignal): Promise<Digest>;
}

export interface OpenRepositoryOptions {
  auth: RegistryAuth | undefined;
  /** `push` asks for push and pull access and never uses mirrors. */
  push: boolean;
  signal?: AbortSignal;
}

/** Registries reachable from this daemon (mirrors, insecure registries and TLS are its business). */
export interface RemoteRegistry {
  /**
   * Opens `path` on `host` (`docker.io` meaning Docker Hub or its mirrors): pings the registry,
   * learns how it authenticates. Errors carry Docker's wording (`Get "https://…/v2/": …`).
   */
  openRepository(host: string, path: string, opts: OpenRepositoryOptions): Promise<RemoteRepository>;
}
