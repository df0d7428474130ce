/**
 * moby's translatePullError: a registry's "denied", "manifest unknown" and "name unknown" become
 * Docker's not-found messages; every other failure stays what it was, except that credentials a
 * registry refused are never a 401 of the engine's (the docker CLI would prompt for a login).
 */
import { BerthError } from '../base/errors.js';
import { familiarName, familiarString, type ImageReference } from './reference.js';
import type { RemoteError } from './remote.js';

export function translatePullError(err: unknown, ref: ImageReference): unknown {
  if (!(err instanceof BerthError)) return err;
  const remote = err as Partial<RemoteError> & BerthError;
  switch (remote.registryCode) {
    case 'DENIED':
      return new BerthError('NotFound', `pull access denied for ${familiarName(ref)}, repository does not exist or may require 'docker login': ${remote.firstError}`, { cause: err });
    case 'MANIFEST_UNKNOWN':
      return new BerthError('NotFound', `manifest for ${familiarString(ref)} not found: ${remote.firstError}`, { cause: err });
    case 'NAME_UNKNOWN':
      return new BerthError('NotFound', `repository ${familiarName(ref)} not found: ${remote.firstError}`, { cause: err });
  }
  return engineError(err);
}

/** A registry's 401/403 as an engine error (500), as moby's errdefs.Unknown makes it. */
export function engineError(err: BerthError): BerthError {
  if (err.kind !== 'Unauthorized' && err.kind !== 'Forbidden') return err;
  return new BerthError('Internal', err.message, { cause: err });
}

/**
 * moby's retryOnError hands a layer transfer's missing credentials on bare, without the request
 * that met them: a push without login to a Basic-auth registry ends in `no basic auth credentials`.
 */
export function bareAuthError(err: unknown): unknown {
  if (!(err instanceof BerthError)) return err;
  const m = /^(?:Get|Head|Post|Put|Patch|Delete) "[^"]*": (no basic auth credentials|authorization server did not include a token in the response)$/.exec(err.message);
  return m ? new BerthError(err.kind, m[1]!, { cause: err }) : err;
}
