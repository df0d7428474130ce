/**
 * The build's last step (`npm run build`, scripts/test.sh, scripts/setup.sh, after tsc and the
 * codegens): esbuild bundles serve.js with every module it imports, berth's and its dependencies',
 * into one minified file beside it, dist/src/daemon/serve.bundle.js, which main.ts loads.
 *
 * Why (issue 14, fresh idle RSS): loaded as ~290 ES modules, berthd kept every module's source and
 * ran Node's ESM loader hot enough at start-up for V8 to compile its optimized code, paging in the
 * node binary's compilers; one file, without comments or indentation, is 8.6 MB less (77.6 → 69.0 MB
 * measured side by side, with esbuild's keepNames; leaving out its `__name` wrappers took 1.1 MB
 * more, and no code reads a function's or class's name). esbuild was chosen as the bundler Node projects use for exactly this, a
 * single prebuilt binary (its install script is not needed: the binary ships as an npm package), and
 * it reads tsc's source maps, so serve.bundle.js.map leads back to the TypeScript
 * (`NODE_OPTIONS=--enable-source-maps` to see it in stack traces).
 *
 * What stays outside the bundle, loaded by path at run time as before:
 * - koffi and node-unix-socket: native addons, required from node_modules.
 * - The generated validators (wire/generated, compose/generated) and the tar worker
 *   (base/tar/extract-worker.js): each module finds them relative to its own `import.meta.url`,
 *   which the `moduleUrls` plugin keeps pointing at the module's own file in dist/src.
 * Run: `node dist/src/daemon/bundle.js`.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import * as esbuild from 'esbuild';

export const ENTRY = join(import.meta.dirname, 'serve.js');
export const OUTFILE = join(import.meta.dirname, 'serve.bundle.js');

/** Native addons: loaded from node_modules by createRequire, never inlined. */
const EXTERNAL = ['koffi', 'node-unix-socket'];

/**
 * Every bundled module keeps its own `import.meta.url`: rewritten to the URL of its file in
 * dist/src, relative to the bundle's, so `new URL('./extract-worker.js', import.meta.url)` and
 * `createRequire(import.meta.url)('./generated/validators.js')` find what they found unbundled. Any
 * other `import.meta` property fails the build rather than silently meaning the bundle.
 */
const moduleUrls: esbuild.Plugin = {
  name: 'module-urls',
  setup(build) {
    build.onLoad({ filter: /\.js$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      if (!text.includes('import.meta')) return undefined;
      const other = /import\.meta\.(?!url\b)\w+/.exec(text);
      if (other) return { errors: [{ text: `${other[0]} in ${args.path}: only import.meta.url keeps its meaning in the bundle` }] };
      const rel = relative(dirname(OUTFILE), args.path).split(sep).join('/');
      const url = `new URL(${JSON.stringify(rel.startsWith('.') ? rel : `./${rel}`)}, import.meta.url).href`;
      return { contents: text.replaceAll('import.meta.url', url), loader: 'js', resolveDir: dirname(args.path) };
    });
  },
};

export async function bundleDaemon(): Promise<esbuild.Metafile> {
  const result = await esbuild.build({
    entryPoints: [ENTRY],
    outfile: OUTFILE,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    external: EXTERNAL,
    // Whitespace and syntax only: names stay as written, so stack traces still name the functions.
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'linked',
    // The CommonJS dependencies (commander, find-my-way, tar-stream…) call `require` for Node's modules.
    banner: { js: "import { createRequire as __bundleCreateRequire } from 'node:module'; const require = __bundleCreateRequire(import.meta.url);" },
    plugins: [moduleUrls],
    metafile: true,
    logLevel: 'warning',
  });
  return result.metafile;
}

if (import.meta.main) {
  const meta = await bundleDaemon();
  const out = Object.values(meta.outputs).find((o) => o.entryPoint !== undefined);
  console.log(`berthd bundled: ${Object.keys(meta.inputs).length} modules into ${relative(process.cwd(), OUTFILE)} (${Math.round((out?.bytes ?? 0) / 1024)} kB)`);
}
