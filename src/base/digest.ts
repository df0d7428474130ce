/** sha256 digests in OCI form (`sha256:<64 hex>`). */
import type { Hash } from 'node:crypto';
import { createHash } from './crypto.js';
import { invalidArgument } from './errors.js';

export type Digest = `sha256:${string}`;

const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;

export function isDigest(value: string): value is Digest {
  return DIGEST_RE.test(value);
}

export function parseDigest(value: string): Digest {
  if (!isDigest(value)) throw invalidArgument(`invalid digest "${value}": expected sha256:<64 hex digits>`);
  return value;
}

export function sha256(data: string | Uint8Array): Digest {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

export function newHash(): Hash {
  return createHash('sha256');
}

export function digestOf(hash: Hash): Digest {
  return `sha256:${hash.digest('hex')}`;
}

export function hexOf(digest: Digest): string {
  return digest.slice('sha256:'.length);
}

/** Docker's short ID: the first 12 hex digits. */
export function shortId(digestOrHex: string): string {
  const hex = digestOrHex.startsWith('sha256:') ? digestOrHex.slice(7) : digestOrHex;
  return hex.slice(0, 12);
}
