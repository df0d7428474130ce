/** Locates the test tables under src/build/testdata from compiled tests (dist/src/build/…). */
import { fileURLToPath } from 'node:url';

export function testdataPath(rel: string): string {
  return fileURLToPath(new URL(`../../../src/build/testdata/${rel}`, import.meta.url));
}
