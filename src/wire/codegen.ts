/**
 * The build step after tsc (`npm run build`, scripts/test.sh, scripts/setup.sh): compiles each
 * request body's TypeBox schema with ajv into standalone validation code, and writes it with the
 * schemas as plain JSON to dist/src/wire/generated/validators.js (declared by
 * generated/validators.d.ts). At run time berthd loads that module only: importing TypeBox and
 * ajv cost ~0.25 s of every start and ~25 MB for the daemon's life, and compiling a schema
 * 0.2–0.5 s of the first create.
 * Run: `node dist/src/wire/codegen.js`.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Ajv } from 'ajv';
import standalone from 'ajv/dist/standalone/index.js';
import { atomicWriteFile } from '../base/fs.js';
import { bodies, GO_KEYWORDS } from './schemas/index.js';

/** Where the runtime imports the generated module from (go-json.ts: ./generated/validators.js). */
export const OUTPUT = join(import.meta.dirname, 'generated', 'validators.js');

/** The source of the generated module: the same validators `ajv.compile` would build, ahead of time. */
export function generateValidators(): string {
  // The options decode's messages depend on: the first error only, with the failing schema and value.
  const ajv = new Ajv({ allErrors: false, verbose: true, strict: true, allowUnionTypes: true, code: { source: true, esm: true } });
  for (const keyword of GO_KEYWORDS) ajv.addKeyword({ keyword, schemaType: 'string' });
  // The JSON of each schema as it stands once every module has built it (schemas/ annotate shared parts).
  const text = JSON.stringify(bodies);
  const json = JSON.parse(text) as Record<string, object>;
  const names = Object.keys(json);
  for (const name of names) ajv.addSchema(json[name]!, name);
  const code = standalone.default(ajv, Object.fromEntries(names.map((n) => [n, n])));
  // ajv writes `require("ajv/dist/runtime/…")` for some keywords (string lengths, formats, deep
  // equality): the runtime would need ajv again, and an ES module has no `require`.
  if (/\brequire\(|(^|;)\s*import[\s{*]/m.test(code)) throw new Error('wire codegen: the standalone validators need a module at run time; use schema keywords that compile to plain code');
  return [
    '// Generated at build time by src/wire/codegen.ts from src/wire/schemas: do not edit.',
    code,
    `export const validators = { ${names.join(', ')} };`,
    `export const schemas = JSON.parse(${JSON.stringify(text)});`,
    '',
  ].join('\n');
}

/** Writes the generated module (atomically: a build interrupted half-way leaves the old one). */
export async function writeValidators(path = OUTPUT): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await atomicWriteFile(path, generateValidators());
}

if (import.meta.main) await writeValidators();
