import { randomBytes } from './crypto.js';

/** A 64-hex random identifier, the shape Docker uses for containers, networks and exec IDs. */
export function randomId(): string {
  return randomBytes(32).toString('hex');
}
