/**
 * node:crypto's functions as berth calls them, with the module loaded at the first call. Importing
 * node:crypto starts OpenSSL's bindings and loads some thirty of Node's own modules: ~1.2 MB of a
 * fresh daemon's RSS (issue 14), and an idle daemon hashes nothing. The lint forbids importing
 * node:crypto's values anywhere else; its types (`Hash`) are free to import.
 */
import type * as Crypto from 'node:crypto';
import { openSync, readSync } from 'node:fs';

let loaded: typeof Crypto | undefined;
const crypto = (): typeof Crypto => (loaded ??= process.getBuiltinModule('node:crypto'));

export function createHash(algorithm: string): Crypto.Hash {
  return crypto().createHash(algorithm);
}

export function createHmac(algorithm: string, key: Crypto.BinaryLike): Crypto.Hmac {
  return crypto().createHmac(algorithm, key);
}

let urandom: number | undefined;

/**
 * Random bytes from the kernel's generator, /dev/urandom (Go's crypto/rand, which Docker's IDs come
 * from, reads the same through getrandom(2)). Not through OpenSSL: a daemon's first start draws IDs
 * (its own, its default networks') and nothing else of node:crypto, so it need not load it for them.
 */
export function randomBytes(size: number): Buffer {
  const buf = Buffer.allocUnsafe(size);
  // Opened once per thread, close-on-exec as libuv opens every file. A synchronous read, as
  // crypto.randomBytes is synchronous: the kernel's generator answers from memory and, once
  // seeded at boot, never blocks; no disk is involved.
  urandom ??= openSync('/dev/urandom', 'r');
  for (let at = 0; at < size; ) at += readSync(urandom, buf, at, size - at, null);
  return buf;
}

/** A random integer in [0, max), or in [min, max) with two arguments. */
export function randomInt(minOrMax: number, max?: number): number {
  return max === undefined ? crypto().randomInt(minOrMax) : crypto().randomInt(minOrMax, max);
}

export function randomUUID(): string {
  return crypto().randomUUID();
}

export function timingSafeEqual(a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView): boolean {
  return crypto().timingSafeEqual(a, b);
}
