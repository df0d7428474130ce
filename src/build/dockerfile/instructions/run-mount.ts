/**
 * `RUN --mount=…`, `--network=…`, `--security=…`: BuildKit's instructions/commands_run*.go.
 * At parse time a mount spec is only checked for `from=$VAR` (which BuildKit refuses); it is
 * parsed fully once the step's variables are known.
 */
import { DockerfileError } from '../errors.js';
import { goQuote } from '../go-quote.js';
import { csvFields, ramInBytes } from './go-formats.js';
import { withSuggestion } from './suggest.js';

export type MountType = 'bind' | 'cache' | 'tmpfs' | 'secret' | 'ssh';
export type CacheSharing = 'shared' | 'private' | 'locked';

const MOUNT_TYPES: readonly MountType[] = ['bind', 'cache', 'tmpfs', 'secret', 'ssh'];
const SHARING: readonly CacheSharing[] = ['shared', 'private', 'locked'];
const ALL_KEYS = ['type', 'from', 'source', 'target', 'readonly', 'id', 'sharing', 'required', 'size', 'mode', 'uid', 'gid', 'src', 'dst', 'destination', 'ro', 'rw', 'readwrite', 'env'];

/** One `--mount=` of a RUN step, its values expanded. */
export interface RunMount {
  type: MountType;
  /** A stage name or index, or an image, for bind and cache mounts. */
  from: string;
  source: string;
  target: string;
  readOnly: boolean;
  /** tmpfs `size=` in bytes (0: no limit). */
  sizeLimit: number;
  /** Cache `id=` (empty: the target). */
  cacheId: string;
  /** Cache `sharing=` (empty: shared). */
  cacheSharing: CacheSharing | '';
  required: boolean;
  env?: string;
  mode?: number;
  uid?: number;
  gid?: number;
}

export type NetworkMode = 'default' | 'none' | 'host';
export const NETWORK_MODES: readonly NetworkMode[] = ['default', 'none', 'host'];
export type SecurityMode = 'sandbox' | 'insecure';
export const SECURITY_MODES: readonly SecurityMode[] = ['sandbox', 'insecure'];

/** Expands one variable-bearing value; throws the lexer's error. */
export type Expander = (word: string) => string;

/**
 * Parses a `--mount` value. Without `expand` only the parts that cannot hold variables are
 * checked (the parse-time pass); with it, everything is expanded and validated.
 */
export function parseMount(value: string, expand?: Expander): RunMount {
  let fields: string[];
  try {
    fields = csvFields(value);
  } catch (err) {
    throw new DockerfileError(`failed to parse csv mounts: ${(err as Error).message}`);
  }
  const m: RunMount = { type: 'bind', from: '', source: '', target: '', readOnly: false, sizeLimit: 0, cacheId: '', cacheSharing: '', required: false };
  let roAuto = true;
  for (const field of fields) {
    const eq = field.indexOf('=');
    const key = (eq < 0 ? field : field.slice(0, eq)).toLowerCase();
    let val = eq < 0 ? '' : field.slice(eq + 1);
    if (eq < 0) {
      if (expand === undefined) continue;
      roAuto = flagField(m, key, field) ?? roAuto;
      continue;
    }
    if (expand !== undefined) {
      val = expand(val);
    } else if (key === 'from') {
      const idx = val.indexOf('$');
      if (idx !== -1 && idx !== val.length - 1) throw new DockerfileError(`'${key}' doesn't support variable expansion, define alias stage instead`);
    } else {
      continue;
    }
    roAuto = valueField(m, key, val, field) ?? roAuto;
  }
  return validate(m, roAuto);
}

/** A `key` field without `=`; returns false when it set read-only explicitly. */
function flagField(m: RunMount, key: string, field: string): boolean | undefined {
  switch (key) {
    case 'readonly':
    case 'ro':
      m.readOnly = true;
      return false;
    case 'readwrite':
    case 'rw':
      m.readOnly = false;
      return false;
    case 'required':
      if (m.type !== 'secret' && m.type !== 'ssh') throw new DockerfileError(`unexpected key '${key}' for mount type '${m.type}'`);
      m.required = true;
      return undefined;
    default:
      throw new DockerfileError(`invalid field '${field}' must be a key=value pair`);
  }
}

function valueField(m: RunMount, key: string, value: string, field: string): boolean | undefined {
  switch (key) {
    case 'type': {
      const type = value.toLowerCase() as MountType;
      if (!MOUNT_TYPES.includes(type)) throw new DockerfileError(withSuggestion(`unsupported mount type ${goQuote(value)}`, value, MOUNT_TYPES, true));
      m.type = type;
      return undefined;
    }
    case 'from':
      m.from = value;
      return undefined;
    case 'source':
    case 'src':
      m.source = value;
      return undefined;
    case 'target':
    case 'dst':
    case 'destination':
      m.target = value;
      return undefined;
    case 'readonly':
    case 'ro':
      m.readOnly = parseBool(key, value);
      return false;
    case 'readwrite':
    case 'rw':
      m.readOnly = !parseBool(key, value);
      return false;
    default:
      return otherField(m, key, value, field);
  }
}

function otherField(m: RunMount, key: string, value: string, field: string): undefined {
  switch (key) {
    case 'required':
      if (m.type !== 'secret' && m.type !== 'ssh') throw new DockerfileError(`unexpected key '${key}' for mount type '${m.type}'`);
      m.required = parseBool(key, value);
      return;
    case 'size':
      if (m.type !== 'tmpfs') throw new DockerfileError(`unexpected key '${key}' for mount type '${m.type}'`);
      try {
        m.sizeLimit = ramInBytes(value);
      } catch {
        throw new DockerfileError(`invalid value for ${key}: ${value}`);
      }
      return;
    case 'id':
      m.cacheId = value;
      return;
    case 'sharing': {
      const sharing = value.toLowerCase() as CacheSharing;
      if (!SHARING.includes(sharing)) throw new DockerfileError(withSuggestion(`unsupported sharing value ${goQuote(value)}`, value, SHARING, true));
      m.cacheSharing = sharing;
      return;
    }
    case 'mode':
      m.mode = parseUint(value, 8, `invalid value ${value} for mode`);
      return;
    case 'uid':
      m.uid = parseUint(value, 10, `invalid value ${value} for uid`);
      return;
    case 'gid':
      m.gid = parseUint(value, 10, `invalid value ${value} for gid`);
      return;
    case 'env':
      m.env = value;
      return;
    default:
      throw new DockerfileError(withSuggestion(`unexpected key '${key}' in '${field}'`, key, ALL_KEYS, true));
  }
}

function validate(m: RunMount, roAuto: boolean): RunMount {
  const fileInfoAllowed = m.type === 'secret' || m.type === 'ssh' || m.type === 'cache';
  if (!fileInfoAllowed) {
    for (const key of ['mode', 'uid', 'gid'] as const) {
      if (m[key] !== undefined) throw new DockerfileError(`${key} not allowed for ${goQuote(m.type)} type mounts`);
    }
  }
  if (roAuto) m.readOnly = !(m.type === 'cache' || m.type === 'tmpfs');
  if (m.type === 'secret') {
    if (m.from !== '') throw new DockerfileError('secret mount should not have a from');
    if (m.cacheSharing !== '') throw new DockerfileError('secret mount should not define sharing');
    if (m.source === '' && m.target === '' && m.cacheId === '') throw new DockerfileError('invalid secret mount. one of source, target required');
    if (m.source !== '' && m.cacheId !== '') throw new DockerfileError("both source and id can't be set");
  }
  if (m.cacheSharing !== '' && m.type !== 'cache') throw new DockerfileError(`invalid cache sharing set for ${m.type} mount`);
  return m;
}

/** Go's strconv.ParseBool. */
function parseBool(key: string, value: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  throw new DockerfileError(`invalid value for ${key}: ${value}`);
}

function parseUint(value: string, base: 8 | 10, message: string): number {
  const re = base === 8 ? /^[0-7]+$/ : /^\d+$/;
  const n = re.test(value) ? Number.parseInt(value, base) : Number.NaN;
  if (!Number.isSafeInteger(n) || n > 0xffffffff) throw new DockerfileError(message);
  return n;
}
