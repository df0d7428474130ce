/**
 * Builders for schemas of Go types as moby declares them, so that one TypeBox schema gives the
 * TypeScript type, the validator (compiled at build time, src/wire/codegen.ts), and Go's wording
 * when a value does not fit (`of type int64`).
 *
 * Annotations ajv ignores and `decode` (go-json.ts) reads:
 * - `goType`: the Go type's name in `json.UnmarshalTypeError` (`int64`, `[]string`, `container.HostConfig`);
 * - `goStruct`: on an object, the Go struct's name (`HostConfig`), Go's error context;
 * - `goEmbed`: on a property, the embedded struct Go walks through to reach it (`Resources`).
 *
 * Every field is optional (Go's zero value when absent) and, where Go has a pointer, slice or
 * map, `null` in the TypeScript type: `decode` drops nulls before validating, as Go's json
 * leaves the field unset for them.
 */
import Type, { type Static, type TSchema } from 'typebox';

export type { Static, TSchema };

/** The annotations a wire schema may carry. */
export type GoSchema = TSchema & { goType?: string; goStruct?: string; goEmbed?: string };

/** The annotations as keywords ajv must know (and skip) in strict mode. */
export const GO_KEYWORDS = ['goType', 'goStruct', 'goEmbed'] as const;

const INT64_MAX = 9223372036854775807;

export const str = () => Type.String({ goType: 'string' });
export const bool = () => Type.Boolean({ goType: 'bool' });
export const int64 = (goType = 'int64') => Type.Integer({ goType, minimum: -INT64_MAX - 1, maximum: INT64_MAX });
/** Go's `int` (64 bits on the platforms moby ships for). */
export const int = () => int64('int');
export const uint16 = () => Type.Integer({ goType: 'uint16', minimum: 0, maximum: 65535 });
export const uint32 = (goType = 'uint32') => Type.Integer({ goType, minimum: 0, maximum: 4294967295 });
export const uint64 = (goType = 'uint64') => Type.Integer({ goType, minimum: 0, maximum: 2 * INT64_MAX + 1 });
/** `time.Duration`: nanoseconds as an int64. */
export const duration = () => int64('time.Duration');

/** A Go pointer, slice or map: absent, `null`, or the value. */
export function nullable<T extends TSchema>(t: T) {
  return Type.Unsafe<Static<T> | null>(t);
}

/** `[]T`. */
export function slice<T extends TSchema>(items: T, goType = `[]${(items as GoSchema).goType ?? 'interface {}'}`) {
  return nullable(Type.Array(items, { goType }));
}

/** `map[string]T`. */
export function map<T extends TSchema>(values: T, goType = `map[string]${(values as GoSchema).goType ?? 'interface {}'}`) {
  return nullable(Type.Record(Type.String(), values, { goType }));
}

export const strings = () => slice(str());
export const strMap = () => map(str());

/** `map[string]struct{}` (ExposedPorts, Volumes): the keys are what counts. */
export const set = (goType?: string) => map(Type.Object({}, { goType: 'struct {}' }), goType);

/** Go's `[2]uint` (ConsoleSize): extra elements are ignored, missing ones are zero. */
export const consoleSize = () => nullable(Type.Array(uint64('uint'), { goType: '[2]uint' }));

/**
 * moby's `strslice.StrSlice`: a list of strings, or one string. When neither fits, its
 * UnmarshalJSON reports the failure to read a string.
 */
export function strSlice() {
  return nullable(Type.Union([Type.Array(Type.String()), Type.String()], { goType: 'string' }));
}

type Optionals<P extends Record<string, TSchema>> = { [K in keyof P]: ReturnType<typeof Type.Optional<P[K]>> };

/** A Go struct: every field optional, as Go's json leaves absent ones at their zero value. */
export function struct<P extends Record<string, TSchema>>(name: string, goType: string, props: P) {
  const optional = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, Type.Optional(v)])) as Optionals<P>;
  return Type.Object(optional, { goStruct: name, goType });
}

/** Fields of an embedded struct (`Resources` in HostConfig): Go names it in its error path. */
export function embedded<P extends Record<string, TSchema>>(via: string, props: P): P {
  for (const v of Object.values(props)) (v as GoSchema).goEmbed = via;
  return props;
}
