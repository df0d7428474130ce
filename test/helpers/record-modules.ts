/**
 * Preloaded with `node --import` (NODE_OPTIONS): appends the URL of every module the process
 * loads, ES or CommonJS, to `$BERTH_RECORD_MODULES/<pid>` (its first line: the entry script), so
 * a test can tell what berthd or berth really loaded at run time.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { join } from 'node:path';

const dir = process.env.BERTH_RECORD_MODULES;
if (dir) {
  const file = join(dir, String(process.pid));
  writeFileSync(file, `${process.argv[1] ?? ''}\n`);
  registerHooks({
    resolve(specifier, context, nextResolve) {
      const resolved = nextResolve(specifier, context);
      appendFileSync(file, `${resolved.url}\n`);
      return resolved;
    },
  });
}
