/**
 * Registry credentials as clients send them: `X-Registry-Auth` (base64url JSON of an AuthConfig;
 * padded as the docker CLI sends it, or not; `e30=` is `{}`), `X-Registry-Config` (base64url JSON
 * of host → AuthConfig, what builds send), and the `POST /auth` body. JSON keys match in any case,
 * as Go's decoder matches struct fields.
 */
import { invalidArgument } from '../base/errors.js';
import type { RegistryAuth } from '../images/index.js';

const FIELDS: Record<string, keyof RegistryAuth | 'auth'> = {
  username: 'username',
  password: 'password',
  auth: 'auth',
  serveraddress: 'serverAddress',
  identitytoken: 'identityToken',
  registrytoken: 'registryToken',
};

/** An AuthConfig JSON object as the domain's RegistryAuth; `auth` (base64 `user:pass`) fills gaps. */
export function authFromJson(doc: unknown): RegistryAuth {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw invalidArgument('invalid X-Registry-Auth header: not a JSON object');
  const out: RegistryAuth = {};
  let basic: string | undefined;
  for (const [key, value] of Object.entries(doc as Record<string, unknown>)) {
    const field = FIELDS[key.toLowerCase()];
    if (!field || typeof value !== 'string' || value === '') continue;
    if (field === 'auth') basic = value;
    else out[field] = value;
  }
  if (basic !== undefined && out.username === undefined && out.password === undefined) {
    const text = Buffer.from(basic, 'base64').toString('utf8');
    const colon = text.indexOf(':');
    if (colon > 0) {
      out.username = text.slice(0, colon);
      out.password = text.slice(colon + 1);
    }
  }
  return out;
}

function decodeJson(encoded: string, header: string): unknown {
  const text = Buffer.from(encoded.trim(), 'base64url').toString('utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw invalidArgument(`invalid ${header} header: ${(err as Error).message}`);
  }
}

/** moby's DecodeAuthConfig: an empty header is no credentials. */
export function decodeRegistryAuth(header: string | undefined): RegistryAuth | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  return authFromJson(decodeJson(header, 'X-Registry-Auth'));
}

/** `X-Registry-Config`: credentials per registry (keys are hosts or Docker Hub's v1 URL). */
export function decodeRegistryConfig(header: string | undefined): Map<string, RegistryAuth> {
  const out = new Map<string, RegistryAuth>();
  if (header === undefined || header.trim() === '') return out;
  const doc = decodeJson(header, 'X-Registry-Config');
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw invalidArgument('invalid X-Registry-Config header: not a JSON object');
  for (const [key, value] of Object.entries(doc as Record<string, unknown>)) out.set(key, authFromJson(value));
  return out;
}

const HUB_KEYS = ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'registry-1.docker.io'];

/** The entry of an X-Registry-Config map for a registry host (moby's ResolveAuthConfig). */
export function authForHost(configs: Map<string, RegistryAuth>, host: string): RegistryAuth | undefined {
  const hub = host === 'docker.io' || host === 'index.docker.io';
  if (hub) {
    for (const k of HUB_KEYS) if (configs.has(k)) return configs.get(k);
    return undefined;
  }
  if (configs.has(host)) return configs.get(host);
  for (const [k, v] of configs) if (k.replace(/^https?:\/\//, '').split('/')[0] === host) return v;
  return undefined;
}

/**
 * Credentials of a pull or push request: X-Registry-Auth when sent (an invalid one is ignored,
 * as moby ignores it for pulls), else the X-Registry-Config entry for the registry.
 */
export function requestAuth(headers: Record<string, string | string[] | undefined>, host: string): RegistryAuth | undefined {
  const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);
  try {
    const auth = decodeRegistryAuth(one(headers['x-registry-auth']));
    if (auth && Object.keys(auth).length > 0) return auth;
  } catch {
    // ignored, as moby does for pulls
  }
  try {
    return authForHost(decodeRegistryConfig(one(headers['x-registry-config'])), host);
  } catch {
    return undefined;
  }
}
