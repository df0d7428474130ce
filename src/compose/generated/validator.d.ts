/**
 * The module src/compose/codegen.ts writes beside this one in dist/ at build time (`npm run
 * build`): ajv's standalone validator of the compose-spec schema.
 */

/** ajv's error object: what validate.ts reads of one. */
export interface SchemaError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

export interface Validator {
  (data: unknown): boolean;
  errors?: SchemaError[] | null;
}

declare const validate: Validator;
export default validate;
