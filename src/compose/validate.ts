/**
 * Checks a compose file against the compose-spec JSON schema, with the validator generated at
 * build time (codegen.ts); reports the first failure with its dotted path, in compose v2's words.
 */
import { createRequire } from 'node:module';
import { BerthError, isErrno } from '../base/errors.js';
import type { SchemaError, Validator } from './generated/validator.js';

const require = createRequire(import.meta.url);
let loaded: Validator | undefined;

function validator(): Validator {
  try {
    return (loaded ??= (require('./generated/validator.js') as { default: Validator }).default);
  } catch (err) {
    if (!isErrno(err, 'MODULE_NOT_FOUND')) throw err;
    throw new BerthError('Internal', 'the compose schema validator was not generated: build with `npm run build` (tsc, then src/compose/codegen.ts)', { cause: err });
  }
}

function describe(e: SchemaError): string {
  const path = e.instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.');
  const at = path === '' ? '(root)' : path;
  switch (e.keyword) {
    case 'additionalProperties':
      return `${at} additional properties '${String(e.params.additionalProperty)}' not allowed`;
    case 'type':
      return `${at} must be a ${String(e.params.type).replace(/,/g, ' or ')}`;
    case 'required':
      return `${at} missing property '${String(e.params.missingProperty)}'`;
    case 'enum':
      return `${at} must be one of ${JSON.stringify(e.params.allowedValues)}`;
    default:
      return `${at} ${e.message ?? 'is invalid'}`;
  }
}

/** @throws BerthError InvalidArgument `validating FILE: services.web additional properties 'x' not allowed` */
export function validateModel(model: unknown, file: string): void {
  const validate = validator();
  if (validate(model)) return;
  const first = validate.errors?.[0];
  throw new BerthError('InvalidArgument', `validating ${file}: ${first ? describe(first) : 'invalid compose file'}`);
}
