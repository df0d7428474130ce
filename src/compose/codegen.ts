/**
 * Build step after tsc (scripts/build.sh): compiles the vendored compose-spec JSON schema
 * (schema/compose-spec.json, from compose-spec/compose-spec) with ajv into a standalone validator,
 * written to dist/src/compose/generated/validator.js (declared by generated/validator.d.ts). The
 * CLI loads that module only: ajv is a build-time dependency, and compiling the 75 kB schema at
 * every `berth compose` would cost more than the rest of its start-up.
 * Run: `node dist/src/compose/codegen.js`.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Ajv } from 'ajv';
import standalone from 'ajv/dist/standalone/index.js';
import { atomicWriteFile } from '../base/fs.js';

/** Where validate.ts loads the generated module from. */
export const OUTPUT = join(import.meta.dirname, 'generated', 'validator.js');
/** The vendored schema, read from the sources (tsc does not copy JSON files into dist/). */
export const SCHEMA = join(import.meta.dirname, '..', '..', '..', 'src', 'compose', 'schema', 'compose-spec.json');

// ajv's runtime helpers the generated code may require, inlined: the CLI must not need ajv.
const RUNTIME: Record<string, string> = {
  'ajv/dist/runtime/equal': 'function equal(a, b) { return JSON.stringify(a) === JSON.stringify(b); }',
  'ajv/dist/runtime/ucs2length': 'function ucs2length(s) { return [...s].length; }',
};

export async function generateValidator(schemaPath = SCHEMA): Promise<string> {
  const schema = JSON.parse(await readFile(schemaPath, 'utf8')) as Record<string, unknown>;
  // The draft-07 meta-schema URL the file names is ajv's default dialect; its id form differs.
  delete schema.$schema;
  // Not strict: the spec uses annotations ajv does not know (deprecated) and unions of types.
  const ajv = new Ajv({ allErrors: false, strict: false, code: { source: true, esm: true } });
  let code = standalone.default(ajv, ajv.compile(schema));
  code = code.replace(/const (\w+) = require\("([^"]+)"\)(\.default)?;/g, (_m, name: string, mod: string) => {
    const fn = RUNTIME[mod];
    if (!fn) throw new Error(`compose codegen: the validator needs ${mod} at run time`);
    return `const ${name} = { default: ${fn} }.default;`;
  });
  if (/\brequire\(/.test(code)) throw new Error('compose codegen: the standalone validator still requires a module');
  return `// Generated at build time by src/compose/codegen.ts from schema/compose-spec.json: do not edit.\n${code}\n`;
}

export async function writeValidator(path = OUTPUT): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await atomicWriteFile(path, await generateValidator());
}

if (import.meta.main) await writeValidator();
