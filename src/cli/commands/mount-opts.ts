/**
 * The storage flags of `run`/`create` as the docker CLI 28.2 parses them: `--mount` (opts/mount.go,
 * a CSV record of `key=value` fields read with Go's encoding/csv) and `-v` (the compose loader's
 * `ParseVolume`, which decides between a bind, a named volume and an anonymous one). The mounts are
 * built key by key in Go's struct order with its `omitempty` rules, so the body matches docker's.
 */
import type { Mount } from '../../wire/index.js';
import { resolve as resolvePath } from 'node:path';
import { parseBytes } from '../format/units.js';

/** One `HostConfig.Mounts` entry, keys in the order of moby's `mount.Mount`. */
export type WireMount = Mount & { Type: string };

/** Go's `strings.Cut`. */
function cut(s: string, sep: string): [string, string, boolean] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, '', false] : [s.slice(0, i), s.slice(i + sep.length), true];
}

const utf8Len = (s: string): number => Buffer.byteLength(s, 'utf8');

/**
 * Go's `csv.NewReader(strings.NewReader(text)).Read()`: the first record, with its quoting rules
 * (`"a,b"`, `""` for a quote, fields spanning lines inside quotes), empty lines skipped and the
 * same errors (`EOF`, `parse error on line 1, column 20: bare " in non-quoted-field`). Columns
 * count UTF-8 bytes, as Go's do.
 */
export function readCsvRecord(text: string): string[] {
  let rest = text;
  let numLine = 0;
  const readLine = (): string | undefined => {
    if (rest === '') return undefined;
    const nl = rest.indexOf('\n');
    let line = nl < 0 ? rest : rest.slice(0, nl + 1);
    rest = nl < 0 ? '' : rest.slice(nl + 1);
    numLine++;
    if (nl < 0 && line.endsWith('\r')) line = line.slice(0, -1);
    if (line.endsWith('\r\n')) line = line.slice(0, -2) + '\n';
    return line;
  };
  const lengthNL = (s: string): number => (s.endsWith('\n') ? 1 : 0);

  let line: string | undefined;
  for (;;) {
    line = readLine();
    if (line === undefined) throw new Error('EOF');
    // Empty lines are skipped.
    if (line.length === lengthNL(line)) continue;
    break;
  }
  const recLine = numLine;
  const parseError = (lineNo: number, column: number, what: string): Error =>
    new Error(recLine !== lineNo ? `record on line ${recLine}; parse error on line ${lineNo}, column ${column}: ${what}` : `parse error on line ${lineNo}, column ${column}: ${what}`);
  const fields: string[] = [];
  let col = 1;
  let posLine = numLine;
  for (;;) {
    if (!line.startsWith('"')) {
      const i = line.indexOf(',');
      const field = i >= 0 ? line.slice(0, i) : line.slice(0, line.length - lengthNL(line));
      const j = field.indexOf('"');
      if (j >= 0) throw parseError(numLine, col + utf8Len(field.slice(0, j)), 'bare " in non-quoted-field');
      fields.push(field);
      if (i < 0) return fields;
      col += utf8Len(line.slice(0, i)) + 1;
      line = line.slice(i + 1);
      continue;
    }
    // A quoted field.
    line = line.slice(1);
    col += 1;
    let value = '';
    for (;;) {
      const i = line.indexOf('"');
      if (i >= 0) {
        value += line.slice(0, i);
        col += utf8Len(line.slice(0, i)) + 1;
        line = line.slice(i + 1);
        if (line.startsWith('"')) {
          value += '"';
          line = line.slice(1);
          col += 1;
        } else if (line.startsWith(',')) {
          line = line.slice(1);
          col += 1;
          fields.push(value);
          break;
        } else if (lengthNL(line) === line.length) {
          fields.push(value);
          return fields;
        } else {
          throw parseError(numLine, col - 1, 'extraneous or missing " in quoted-field');
        }
      } else if (line.length > 0) {
        value += line;
        col += utf8Len(line);
        const next = readLine();
        line = next ?? '';
        if (line.length > 0) {
          posLine++;
          col = 1;
        }
      } else {
        throw parseError(posLine, col, 'extraneous or missing " in quoted-field');
      }
    }
  }
}

/** Go's `strconv.ParseBool`. */
function parseBool(s: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  return undefined;
}

/** Go's `filepath.Abs` for the `./x` and `../x` sources docker makes absolute. */
function absIfDotted(p: string): string {
  return !p.startsWith('/') && p.startsWith('.') ? resolvePath(p) : p;
}

interface MountParts {
  type: string;
  source: string;
  target: string;
  readOnly: boolean;
  consistency: string;
  bind?: { Propagation: string; NonRecursive: boolean; CreateMountpoint: boolean; ReadOnlyNonRecursive: boolean; ReadOnlyForceRecursive: boolean };
  volume?: { NoCopy: boolean; Labels: Map<string, string>; Subpath: string; DriverConfig: { Name: string; Options: Map<string, string> | undefined } };
  image?: { Subpath: string };
  tmpfs?: { SizeBytes: number; Mode: number };
}

/** Go's `map[string]string` with `omitempty`: sorted keys, left out when empty. */
function goMap(m: Map<string, string> | undefined): Record<string, string> | undefined {
  if (!m || m.size === 0) return undefined;
  const out: Record<string, string> = {};
  for (const k of [...m.keys()].sort()) out[k] = m.get(k)!;
  return out;
}

/** Drops the keys whose value is Go's zero value, as `json:",omitempty"` does. */
function omitEmpty(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) if (v !== undefined && v !== '' && v !== false && v !== 0) out[k] = v;
  return out;
}

function toWire(m: MountParts): WireMount {
  const v = m.volume;
  return omitEmpty({
    Type: m.type,
    Source: m.source,
    Target: m.target,
    ReadOnly: m.readOnly,
    Consistency: m.consistency,
    BindOptions: m.bind && omitEmpty({ ...m.bind }),
    VolumeOptions: v && omitEmpty({ NoCopy: v.NoCopy, Labels: goMap(v.Labels), Subpath: v.Subpath, DriverConfig: omitEmpty({ Name: v.DriverConfig.Name, Options: goMap(v.DriverConfig.Options) }) }),
    ImageOptions: m.image && omitEmpty({ ...m.image }),
    TmpfsOptions: m.tmpfs && omitEmpty({ ...m.tmpfs }),
  }) as WireMount;
}

/**
 * docker's `MountOpt.Set`: one `--mount` value into a `HostConfig.Mounts` entry. `type` defaults
 * to `volume`; `readonly`/`ro`, `volume-nocopy` and `bind-nonrecursive` may stand alone; keys are
 * case-insensitive; a `./` or `../` source is made absolute. `warn` gets the deprecation notice of
 * `bind-nonrecursive=<bool>` (docker logs it through logrus).
 * @throws Error with docker's message (`target is required`, `invalid value for tmpfs-mode: 9`, …).
 */
export function parseMount(value: string, warn: (message: string) => void = () => {}): WireMount {
  const fields = readCsvRecord(value);
  const m: MountParts = { type: 'volume', source: '', target: '', readOnly: false, consistency: '' };
  const volumeOptions = (): NonNullable<MountParts['volume']> => (m.volume ??= { NoCopy: false, Labels: new Map(), Subpath: '', DriverConfig: { Name: '', Options: undefined } });
  const bindOptions = (): NonNullable<MountParts['bind']> => (m.bind ??= { Propagation: '', NonRecursive: false, CreateMountpoint: false, ReadOnlyNonRecursive: false, ReadOnlyForceRecursive: false });
  const tmpfsOptions = (): NonNullable<MountParts['tmpfs']> => (m.tmpfs ??= { SizeBytes: 0, Mode: 0 });
  const setOnMap = (target: Map<string, string>, kv: string): void => {
    const [k, v] = cut(kv, '=');
    if (k !== '') target.set(k, v);
  };
  const bool = (key: string, val: string, message = `invalid value for ${key}: ${val}`): boolean => {
    const b = parseBool(val);
    if (b === undefined) throw new Error(message);
    return b;
  };

  for (const field of fields) {
    const [rawKey, val, hasValue] = cut(field, '=');
    const key = rawKey.toLowerCase();
    if (!hasValue) {
      if (key === 'readonly' || key === 'ro') m.readOnly = true;
      else if (key === 'volume-nocopy') volumeOptions().NoCopy = true;
      else if (key === 'bind-nonrecursive') bindOptions().NonRecursive = true;
      else throw new Error(`invalid field '${field}' must be a key=value pair`);
      continue;
    }
    switch (key) {
      case 'type':
        m.type = val.toLowerCase();
        break;
      case 'source':
      case 'src':
        m.source = absIfDotted(val);
        break;
      case 'target':
      case 'dst':
      case 'destination':
        m.target = val;
        break;
      case 'readonly':
      case 'ro':
        m.readOnly = bool(key, val);
        break;
      case 'consistency':
        m.consistency = val.toLowerCase();
        break;
      case 'bind-propagation':
        bindOptions().Propagation = val.toLowerCase();
        break;
      case 'bind-nonrecursive':
        bindOptions().NonRecursive = bool(key, val);
        warn('bind-nonrecursive is deprecated, use bind-recursive=disabled instead');
        break;
      case 'bind-recursive':
        if (val === 'disabled') bindOptions().NonRecursive = true;
        else if (val === 'writable') bindOptions().ReadOnlyNonRecursive = true;
        else if (val === 'readonly') bindOptions().ReadOnlyForceRecursive = true;
        else if (val !== 'enabled') throw new Error(`invalid value for ${key}: ${val} (must be "enabled", "disabled", "writable", or "readonly")`);
        break;
      case 'volume-subpath':
        volumeOptions().Subpath = val;
        break;
      case 'volume-nocopy':
        volumeOptions().NoCopy = bool(key, val, `invalid value for volume-nocopy: ${val}`);
        break;
      case 'volume-label':
        setOnMap(volumeOptions().Labels, val);
        break;
      case 'volume-driver':
        volumeOptions().DriverConfig.Name = val;
        break;
      case 'volume-opt': {
        const driver = volumeOptions().DriverConfig;
        setOnMap((driver.Options ??= new Map()), val);
        break;
      }
      case 'image-subpath':
        (m.image ??= { Subpath: '' }).Subpath = val;
        break;
      case 'tmpfs-size': {
        let size: number;
        try {
          size = parseBytes(val);
        } catch {
          throw new Error(`invalid value for ${key}: ${val}`);
        }
        tmpfsOptions().SizeBytes = size;
        break;
      }
      case 'tmpfs-mode':
        // strconv.ParseUint(val, 8, 32): octal digits only, no sign or 0o prefix.
        if (!/^[0-7]+$/.test(val) || parseInt(val, 8) > 0xffffffff) throw new Error(`invalid value for ${key}: ${val}`);
        tmpfsOptions().Mode = parseInt(val, 8);
        break;
      default:
        throw new Error(`unexpected key '${key}' in '${field}'`);
    }
  }

  if (m.type === '') throw new Error('type is required');
  if (m.target === '') throw new Error('target is required');
  if (m.volume && m.type !== 'volume') throw new Error(`cannot mix 'volume-*' options with mount type '${m.type}'`);
  if (m.image && m.type !== 'image') throw new Error(`cannot mix 'image-*' options with mount type '${m.type}'`);
  if (m.bind && m.type !== 'bind') throw new Error(`cannot mix 'bind-*' options with mount type '${m.type}'`);
  if (m.tmpfs && m.type !== 'tmpfs') throw new Error(`cannot mix 'tmpfs-*' options with mount type '${m.type}'`);
  if (m.bind?.ReadOnlyNonRecursive && !m.readOnly) throw new Error("option 'bind-recursive=writable' requires 'readonly' to be specified in conjunction");
  if (m.bind?.ReadOnlyForceRecursive) {
    if (!m.readOnly) throw new Error("option 'bind-recursive=readonly' requires 'readonly' to be specified in conjunction");
    if (m.bind.Propagation !== 'rprivate') throw new Error("option 'bind-recursive=readonly' requires 'bind-propagation=rprivate' to be specified in conjunction");
  }
  return toWire(m);
}

/** What `-v` asks for: a bind (or named volume) with its host part, or an anonymous volume. */
export interface VolumeSpec {
  /** Host path or volume name; empty for an anonymous volume. */
  source: string;
  type: 'bind' | 'volume';
}

const isLetter = (c: string | undefined): boolean => c !== undefined && /^\p{L}$/u.test(c);

/**
 * The compose loader's `ParseVolume` as `docker run -v` uses it: `[SOURCE:]TARGET[:OPTIONS]`,
 * a one-letter drive (`c:`) kept with its path, specs of one or two characters taken whole as a
 * target; a source starting with `.`, `/` or `~` (or a drive) is a bind.
 * @throws Error `invalid spec: SPEC: empty section between colons` / `…: too many colons` /
 *   `invalid empty volume spec`.
 */
export function parseVolumeSpec(spec: string): VolumeSpec {
  if (utf8Len(spec) === 0) throw new Error('invalid empty volume spec');
  if (utf8Len(spec) <= 2) return { source: '', type: 'volume' };
  let source: string | undefined;
  let target: string | undefined;
  let buffer: string[] = [];
  const chars = [...spec, ''];
  for (const ch of chars) {
    const end = ch === '';
    if (ch === ':' && buffer.length === 1 && isLetter(buffer[0])) {
      buffer.push(ch);
      continue;
    }
    if (ch !== ':' && !end) {
      buffer.push(ch);
      continue;
    }
    const text = buffer.join('');
    if (buffer.length === 0) throw new Error(`invalid spec: ${spec}: empty section between colons`);
    if (source === undefined && end) target = text;
    else if (source === undefined) source = text;
    else if (target === undefined) target = text;
    else if (!end) throw new Error(`invalid spec: ${spec}: too many colons`);
    buffer = [];
  }
  if (!source) return { source: '', type: 'volume' };
  return { source, type: isFilePath(source) ? 'bind' : 'volume' };
}

function isFilePath(source: string): boolean {
  if ('./~'.includes(source[0]!)) return true;
  const chars = [...source];
  if (chars.length === 1) return false;
  if (source.startsWith('\\\\')) return true;
  return isLetter(chars[0]) && source[chars[0]!.length] === ':';
}

/**
 * `-v` values as docker's `parse` splits them: binds and named volumes into `HostConfig.Binds`
 * (a `./`/`../` host path made absolute), anonymous volumes into `Config.Volumes`. docker keeps
 * them in a map, so a repeated spec counts once.
 * @throws Error from `parseVolumeSpec`.
 */
export function splitVolumeFlags(specs: string[]): { binds: string[]; volumes: string[] } {
  const binds: string[] = [];
  const volumes: string[] = [];
  for (const spec of new Set(specs)) {
    const parsed = parseVolumeSpec(spec);
    if (parsed.source === '') {
      volumes.push(spec);
      continue;
    }
    const [host, target, ok] = cut(spec, ':');
    binds.push(parsed.type === 'bind' && ok ? `${absIfDotted(host)}:${target}` : spec);
  }
  return { binds, volumes };
}
