/**
 * The module src/wire/codegen.ts writes beside this one in dist/ at build time (`npm run build`):
 * ajv's standalone validators of the request bodies, and the bodies' schemas as plain JSON for
 * `decode`'s Go-style walk. Neither needs TypeBox or ajv to load.
 */
import type { BodyName } from '../schemas/index.js';

/** A wire schema as JSON: the JSON Schema keywords TypeBox writes, and the Go annotations. */
export interface GoSchema {
  type?: string;
  properties?: Record<string, GoSchema>;
  /** `map[string]T`: one pattern, T's schema. */
  patternProperties?: Record<string, GoSchema>;
  items?: GoSchema;
  anyOf?: GoSchema[];
  goType?: string;
  goStruct?: string;
  goEmbed?: string;
}

/** ajv's error object, as its `verbose` option fills it in: what `decode` reads of one. */
export interface ValidationError {
  instancePath: string;
  data?: unknown;
  parentSchema?: GoSchema;
}

/** A compiled validator: true when `data` fits; else its `errors` say where it failed first. */
export interface Validator {
  (data: unknown): boolean;
  errors?: ValidationError[] | null;
}

export declare const validators: Readonly<Record<BodyName, Validator>>;
export declare const schemas: Readonly<Record<BodyName, GoSchema>>;
