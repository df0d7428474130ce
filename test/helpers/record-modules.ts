/**
 * Preloaded with `node --import` (NODE_OPTIONS): appends the URL of every module the process
 * loads, ES or CommonJS, to `$BERTH_RECORD_MODULES/<pid>` (its first line: the entry script), so
 * a test can tell what berthd or berth really loaded at run time. At exit it adds Node's own public
 * modules the process loaded, by any way (an import, a require, `process.getBuiltinModule`, Node
 * itself), as `node:<name>`.
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
  process.on('exit', () => {
    // Undocumented but long-standing (and not in @types/node): what the process's loaders loaded.
    const list = (process as unknown as { moduleLoadList: string[] }).moduleLoadList;
    const builtins = list.filter((m) => m.startsWith('NativeModule ') && !m.startsWith('NativeModule internal/'));
    appendFileSync(file, builtins.map((m) => `node:${m.slice('NativeModule '.length)}\n`).join(''));
  });
}
