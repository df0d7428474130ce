/**
 * Reading a JSON request body as moby's Go json decoder does: object keys match field names
 * case-insensitively, `null` leaves a field unset, unknown fields are ignored, and a value of
 * the wrong type is refused with `json.UnmarshalTypeError`'s wording (Go 1.24, which names
 * embedded structs in the field path):
 * `json: cannot unmarshal string into Go struct field HostConfig.HostConfig.Resources.Memory of type int64`.
 *
 * The validators were compiled at build time (codegen.ts): nothing is compiled here.
 */
import { createRequire } from 'node:module';
import { BerthError, invalidArgument, isErrno } from '../base/errors.js';
import type { WireBody } from './bodies.js';
import type { GoSchema, ValidationError } from './generated/validators.js';

type Generated = typeof import('./generated/validators.js');
const require = createRequire(import.meta.url);
// Loaded with the first body rather than at start-up: an idle daemon need not hold the
// validators' code (a third of a megabyte of source, and what V8 makes of it).
let generated: Generated | undefined;
function load(): Generated {
  try {
    return (generated ??= require('./generated/validators.js') as Generated);
  } catch (err) {
    if (!isErrno(err, 'MODULE_NOT_FOUND')) throw err;
    // tsc alone leaves them out: say so rather than fail every body with a bare module error.
    throw new BerthError('Internal', 'the wire validators were not generated: build with `npm run build` (tsc, then src/wire/codegen.ts)', { cause: err });
  }
}

/**
 * Parses JSON text as Go's `json.Decoder` does, with its messages: a syntax error, trailing
 * content, or nothing at all (`EOF`).
 * @throws BerthError InvalidArgument.
 */
export function parseJson(text: string): unknown {
  if (text.trim() === '') throw invalidArgument('invalid JSON: EOF');
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw syntaxError(text, err as Error);
  }
}

function syntaxError(text: string, err: Error): BerthError {
  if (/after JSON/.test(err.message)) return invalidArgument('unexpected content after JSON', err);
  const at = /position (\d+)/.exec(err.message);
  // A document that stops early is Go's "unexpected EOF", whatever V8 expected next.
  if (/end of JSON input|Unterminated/.test(err.message) || (at && Number(at[1]) >= text.trimEnd().length)) return invalidArgument('invalid JSON: unexpected EOF', err);
  const ch = at ? text[Number(at[1])] : /token '(.)'/.exec(err.message)?.[1];
  return invalidArgument(ch === undefined ? `invalid JSON: ${err.message}` : `invalid JSON: invalid character ${goQuoteChar(ch)} looking for beginning of value`, err);
}

function goQuoteChar(ch: string): string {
  if (ch === "'") return String.raw`'\''`;
  if (ch === '"') return `'"'`;
  return /[\x20-\x7e]/.test(ch) ? `'${ch}'` : `'\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}'`;
}

/**
 * Checks a parsed body against a wire schema and returns it in canonical form (field names as
 * the schema spells them, nulls dropped).
 * @throws BerthError InvalidArgument with Go's message, prefixed `invalid JSON: ` as moby's
 *   handlers do.
 */
export function decode<T>(body: WireBody<T>, value: unknown): T {
  const { schemas, validators } = load();
  const schema = schemas[body.name];
  const canonical = canonicalize(schema, value);
  const validate = validators[body.name];
  if (validate(canonical)) return canonical as T;
  const errors = validate.errors ?? [];
  throw invalidArgument(`invalid JSON: ${unmarshalMessage(schema, errors[errors.length - 1]!)}`);
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The schema of a record's values (TypeBox writes `map[string]T` as patternProperties). */
function valuesOf(schema: GoSchema): GoSchema | undefined {
  const pp = schema.patternProperties;
  return pp ? Object.values(pp)[0] : undefined;
}

/** The array or object branch of a union (StrSlice), for walking into it. */
function branchFor(schema: GoSchema, value: unknown): GoSchema {
  const anyOf = schema.anyOf;
  if (!anyOf) return schema;
  const want = Array.isArray(value) ? 'array' : isObject(value) ? 'object' : undefined;
  return anyOf.find((b) => b.type === want) ?? schema;
}

/** Go's view of a body: keys matched case-insensitively to the struct's fields, nulls dropped. */
function canonicalize(schema: GoSchema, value: unknown): unknown {
  const s = branchFor(schema, value);
  if (Array.isArray(value)) {
    const items = s.items;
    return value.map((v) => (v === null ? zeroOf(items) : items ? canonicalize(items, v) : v));
  }
  if (!isObject(value)) return value;
  const props = s.properties;
  if (props) {
    const byLower = new Map(Object.keys(props).map((k) => [k.toLowerCase(), k]));
    const out: Json = {};
    for (const [k, v] of Object.entries(value)) {
      if (v === null) continue;
      const name = k in props ? k : (byLower.get(k.toLowerCase()) ?? k);
      // An exact match wins over a case-insensitive one, as in Go.
      if (name !== k && name in value) continue;
      out[name] = props[name] ? canonicalize(props[name], v) : v;
    }
    return out;
  }
  const values = valuesOf(s);
  if (values) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, v === null ? zeroOf(values) : canonicalize(values, v)]));
  return value;
}

/** What Go stores for a `null` inside a list or map: the element type's zero value. */
function zeroOf(schema: GoSchema | undefined): unknown {
  switch (schema?.type) {
    case 'string':
      return '';
    case 'integer':
    case 'number':
      return 0;
    case 'boolean':
      return false;
    case 'object':
      return {};
    default:
      return null;
  }
}

/** `json.UnmarshalTypeError.Error()` for the failure ajv found. */
export function unmarshalMessage(root: GoSchema, e: ValidationError): string {
  const failed = e.parentSchema ?? {};
  const goType = failed.goType ?? 'interface {}';
  const value = goValue(e.data, failed);
  const path = e.instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (path.length === 0) return `json: cannot unmarshal ${value} into Go value of type ${goType}`;
  const { struct, fields } = goContext(root, path);
  return `json: cannot unmarshal ${value} into Go struct field ${struct}.${fields.join('.')} of type ${goType}`;
}

/** Go's name for the JSON value: `string`, `number`, `number 1.5` (for a number that does not fit), … */
function goValue(data: unknown, failed: GoSchema): string {
  if (typeof data === 'number') return failed.type === 'integer' ? `number ${data}` : 'number';
  if (typeof data === 'boolean') return 'bool';
  if (Array.isArray(data)) return 'array';
  if (data === null) return 'null';
  return typeof data === 'object' ? 'object' : 'string';
}

/**
 * Go's error context for a path: the struct holding the last field, and the field names from
 * the root (embedded structs included; map keys and list indexes are not part of it).
 */
function goContext(root: GoSchema, path: string[]): { struct: string; fields: string[] } {
  let node: GoSchema = root;
  let struct = root.goStruct ?? '';
  const fields: string[] = [];
  for (const seg of path) {
    node = branchFor(node, /^\d+$/.test(seg) ? [] : {});
    const props = node.properties;
    if (props?.[seg]) {
      struct = node.goStruct ?? struct;
      const prop = props[seg];
      if (prop.goEmbed) fields.push(prop.goEmbed);
      fields.push(seg);
      node = prop;
    } else if (node.items) {
      node = node.items;
    } else {
      node = valuesOf(node) ?? node;
    }
  }
  return { struct, fields };
}
