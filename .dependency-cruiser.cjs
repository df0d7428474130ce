/**
 * berth's layering (docs/architecture.md): imports point down only, same-layer domain modules
 * do not import each other, and cli/client see only base/, wire/ and api types.
 */
const layer = {
  base: 0, wire: 0,
  content: 1, snapshots: 1,
  images: 2, distribution: 2, volumes: 2, network: 2, runtime: 2, events: 2,
  containers: 3, build: 3, registry: 3, swarm: 3,
  api: 4, daemon: 4, client: 4, cli: 4, compose: 4,
};
const folders = Object.keys(layer);
const forbidden = [];
for (const from of folders) {
  for (const to of folders) {
    if (from === to) continue;
    const up = layer[to] > layer[from];
    // wire/ (the Engine API's wire types, pure) throws base/'s error kinds. compose/ (the compose
    // project model and its commands' logic) is a client of the Engine API like cli/, which
    // registers its commands.
    const allowed = [['daemon', 'api'], ['cli', 'client'], ['wire', 'base'], ['cli', 'compose'], ['compose', 'client']];
    const sideways = layer[to] === layer[from] && !allowed.some(([f, t]) => f === from && t === to);
    if (up || sideways) {
      forbidden.push({
        name: `no-${from}-to-${to}`,
        comment: `${from}/ (layer ${layer[from]}) must not import ${to}/ (layer ${layer[to]})`,
        severity: 'error',
        from: { path: `^src/${from}/` },
        to: { path: `^src/${to}/` },
      });
    }
  }
}
forbidden.push({
  name: 'cli-client-only-base-and-api-types',
  comment: 'cli/, compose/ and client/ talk to the daemon over HTTP: no domain modules',
  severity: 'error',
  from: { path: '^src/(cli|client|compose)/' },
  to: { path: '^src/', pathNot: '^src/(cli|client|compose|base|wire)/' },
});
forbidden.push({
  name: 'no-deep-imports',
  comment: "a module's public surface is its index.ts",
  severity: 'error',
  from: { path: '^src/([^/]+)/' },
  to: { path: '^src/([^/]+)/.+', pathNot: ['^src/$1/', '^src/base/', '^src/[^/]+/index\\.ts$'] },
});
forbidden.push({
  name: 'schema-libraries-at-build-time-only',
  comment:
    'TypeBox and ajv run at build time (src/wire/schemas, src/wire/codegen.ts, src/compose/codegen.ts); berthd and berth load the validators generated from them, so import only their types',
  severity: 'error',
  from: { path: '^src/', pathNot: '^src/(wire/(schemas/|codegen\\.ts$)|compose/codegen\\.ts$)' },
  // A package the resolver cannot follow (typebox exports ESM only) keeps its bare name as its path.
  to: { path: ['(^|/)node_modules/(typebox|ajv)/', '^(typebox|ajv)(/|$)', '^src/wire/schemas/'], dependencyTypesNot: ['type-only'] },
});
forbidden.push({
  name: 'costly-builtins-through-base',
  comment:
    "node:crypto, node:http, node:https and node:tls load OpenSSL's bindings and dozens of Node's modules when imported (issue 14: 1.2 MB of a fresh daemon's RSS for crypto alone): take them through base/crypto.ts and base/node-http.ts, which load them at the first call; import only their types elsewhere",
  severity: 'error',
  from: { path: '^src/', pathNot: '^src/base/(crypto|node-http)\\.ts$' },
  to: { dependencyTypes: ['core'], path: '^(node:)?(crypto|http|https|tls)$', dependencyTypesNot: ['type-only'] },
});
forbidden.push({
  name: 'bundler-at-build-time-only',
  comment: 'esbuild bundles berthd at build time (src/daemon/bundle.ts); nothing at run time imports it',
  severity: 'error',
  from: { path: '^src/', pathNot: '^src/daemon/bundle\\.ts$' },
  to: { path: ['(^|/)node_modules/esbuild/', '^esbuild(/|$)'] },
});
forbidden.push({
  name: 'no-circular',
  severity: 'error',
  from: {},
  to: { circular: true },
});
module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.test\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
