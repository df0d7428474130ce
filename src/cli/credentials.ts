/**
 * Registry credentials of the berth CLI, kept as the docker CLI keeps them in config.json:
 * `{"auths": {"<server>": {"auth": base64("user:pass")}}}` (or an `identitytoken` a token server
 * issued instead of the password), Docker Hub under `https://index.docker.io/v1/`. The file lives
 * in $BERTH_CONFIG, else ~/.berth, and is written atomically, readable by its owner only.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { atomicWriteFile, ensureDir } from '../base/fs.js';
import { isErrno } from '../base/errors.js';

export const INDEX_SERVER = 'https://index.docker.io/v1/';

export interface StoredAuth {
  username?: string;
  password?: string;
  identitytoken?: string;
  serveraddress?: string;
}

interface ConfigFile {
  auths?: Record<string, { auth?: string; identitytoken?: string; [k: string]: unknown }>;
  [k: string]: unknown;
}

export function configDir(env = process.env): string {
  return env.BERTH_CONFIG || join(homedir(), '.berth');
}

export function configPath(env = process.env): string {
  return join(configDir(env), 'config.json');
}

async function readConfig(path: string): Promise<ConfigFile> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as ConfigFile;
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return {};
    throw new Error(`loading config file ${path}: ${(err as Error).message}`);
  }
}

/** docker/cli's ConvertToHostname: what a server address is stored under. */
export function hostnameOf(server: string): string {
  return server.replace(/^https?:\/\//, '').split('/')[0]!;
}

/** The key credentials for a registry host are stored under (Docker Hub's v1 URL for docker.io). */
export function credentialKey(host: string): string {
  return host === 'docker.io' || host === 'index.docker.io' ? INDEX_SERVER : host;
}

/** Credentials for a registry host, from any of the spellings docker ever stored them under. */
export async function loadAuth(host: string, path = configPath()): Promise<StoredAuth | undefined> {
  const auths = (await readConfig(path)).auths ?? {};
  const key = credentialKey(host);
  const entry = auths[key] ?? Object.entries(auths).find(([k]) => key !== INDEX_SERVER && hostnameOf(k) === key)?.[1];
  if (!entry) return undefined;
  const out: StoredAuth = { serveraddress: key };
  if (entry.auth) {
    const text = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = text.indexOf(':');
    if (colon > 0) {
      out.username = text.slice(0, colon);
      out.password = text.slice(colon + 1);
    }
  }
  if (entry.identitytoken) {
    out.identitytoken = entry.identitytoken;
    delete out.password;
  }
  return out;
}

export async function storeAuth(server: string, auth: { username: string; password?: string; identitytoken?: string }, path = configPath()): Promise<void> {
  const doc = await readConfig(path);
  const auths = { ...doc.auths };
  // With an identity token the password is not kept, as docker does.
  const secret = auth.identitytoken ? '' : (auth.password ?? '');
  auths[server] = { auth: Buffer.from(`${auth.username}:${secret}`).toString('base64'), ...(auth.identitytoken ? { identitytoken: auth.identitytoken } : {}) };
  await ensureDir(configDir());
  await atomicWriteFile(path, JSON.stringify({ ...doc, auths }, null, '\t'), 0o600);
}

/** Removes every spelling of a server's credentials; false when there were none. */
export async function eraseAuth(keys: string[], path = configPath()): Promise<boolean> {
  const doc = await readConfig(path);
  const auths = { ...doc.auths };
  const found = keys.filter((k) => k in auths);
  if (found.length === 0) return false;
  for (const k of found) delete auths[k];
  await atomicWriteFile(path, JSON.stringify({ ...doc, auths }, null, '\t'), 0o600);
  return true;
}

/** The X-Registry-Auth header value: base64url JSON, as docker's EncodeAuthConfig writes it. */
export function encodeAuthHeader(auth: StoredAuth | undefined): string {
  if (!auth) return 'e30=';
  return Buffer.from(JSON.stringify(auth)).toString('base64url').padEnd(Math.ceil(Buffer.byteLength(JSON.stringify(auth)) / 3) * 4, '=');
}
