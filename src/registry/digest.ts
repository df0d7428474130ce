/**
 * Digests as the distribution spec allows them here: sha256 (the default) and sha512. Unlike
 * base/digest (sha256 only, for the engine's content store), the registry must accept both.
 */
import type { Hash } from 'node:crypto';
import { createHash } from '../base/crypto.js';

export type Algorithm = 'sha256' | 'sha512';

const HEX_LENGTH: Record<Algorithm, number> = { sha256: 64, sha512: 128 };
const DIGEST_RE = /^(sha256|sha512):([a-f0-9]+)$/;
/** The spec's general digest grammar: anything of this shape is a digest, valid or not. */
const DIGEST_SHAPE_RE = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

export interface ParsedDigest {
  algorithm: Algorithm;
  hex: string;
}

/** The algorithm and hex of a supported digest, or undefined. */
export function parseDigest(value: string): ParsedDigest | undefined {
  const m = DIGEST_RE.exec(value);
  if (!m) return undefined;
  const algorithm = m[1] as Algorithm;
  const hex = m[2]!;
  return hex.length === HEX_LENGTH[algorithm] ? { algorithm, hex } : undefined;
}

export function isDigest(value: string): boolean {
  return parseDigest(value) !== undefined;
}

/** True when the value has a digest's shape (`algo:encoded`), supported or not: not a tag. */
export function looksLikeDigest(value: string): boolean {
  return DIGEST_SHAPE_RE.test(value);
}

export function hashOf(algorithm: Algorithm): Hash {
  return createHash(algorithm);
}

export function digestBytes(data: Uint8Array | string, algorithm: Algorithm = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(data).digest('hex')}`;
}

export function finishDigest(hash: Hash, algorithm: Algorithm): string {
  return `${algorithm}:${hash.digest('hex')}`;
}
