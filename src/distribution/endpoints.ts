/**
 * Where a registry host is reached, as moby's registry service decides (registry/config.go,
 * service_v2.go): Docker Hub (`docker.io`) is `https://registry-1.docker.io`, after the configured
 * mirrors for pulls; any other host is HTTPS, and for an insecure registry (loopback, the
 * `insecure-registries` CIDRs and names) HTTPS without certificate checks, then plain HTTP.
 */
import { BlockList, isIP } from 'node:net';
import { invalidArgument } from '../base/errors.js';
import type { RegistrySettings } from './types.js';

export const DOCKER_HUB = 'docker.io';
export const DOCKER_HUB_API = 'registry-1.docker.io';
const DEFAULT_INSECURE_CIDRS = ['::1/128', '127.0.0.0/8'];

export interface Endpoint {
  /** Base URL without a trailing slash: `https://registry-1.docker.io`, `http://127.0.0.1:5000`. */
  url: URL;
  mirror: boolean;
  /** Certificates are not checked (an insecure registry). */
  insecure: boolean;
}

/** The daemon's registry settings, validated once: what `docker info` reports as RegistryConfig. */
export class RegistryConfig {
  readonly cidrs: string[];
  readonly insecureNames: Set<string>;
  readonly mirrors: string[];
  private readonly blocks = new BlockList();

  constructor(settings: RegistrySettings) {
    this.mirrors = [...new Set(settings.mirrors.map(validateMirror))];
    const cidrs: string[] = [];
    this.insecureNames = new Set();
    for (let r of [...settings.insecureRegistries, ...DEFAULT_INSECURE_CIDRS]) {
      if (r.startsWith('-') || r.endsWith('-')) throw invalidArgument(`invalid index name (${r}). Cannot begin or end with a hyphen`);
      if (/^https?:\/\//i.test(r)) r = r.replace(/^https?:\/\//i, '');
      else if (r.includes('://')) throw invalidArgument(`insecure registry ${r} should not contain '://'`);
      const cidr = parseCidr(r);
      if (cidr) {
        const text = `${cidr.address}/${cidr.prefix}`;
        if (!cidrs.includes(text)) {
          cidrs.push(text);
          this.blocks.addSubnet(cidr.address, cidr.prefix, cidr.family);
        }
        continue;
      }
      if (!/^[A-Za-z0-9.\-[\]:]+$/.test(r)) throw invalidArgument(`insecure registry ${r} is not valid: invalid host "${r}"`);
      this.insecureNames.add(r);
    }
    this.cidrs = cidrs;
  }

  /** moby's isSecureIndex: a listed name, else any address of the host inside an insecure CIDR. */
  async isInsecure(host: string): Promise<boolean> {
    if (host === DOCKER_HUB || host === 'index.docker.io') return false;
    if (this.insecureNames.has(host)) return true;
    const bare = splitHost(host);
    let addresses: { address: string; family: number }[];
    if (isIP(bare)) addresses = [{ address: bare, family: isIP(bare) }];
    else {
      try {
        // Loaded on first use (~3 MB a daemon that never resolves a registry name need not hold).
        addresses = await process.getBuiltinModule('node:dns/promises').lookup(bare, { all: true });
      } catch {
        return false;
      }
    }
    return addresses.some((a) => this.blocks.check(a.address, a.family === 6 ? 'ipv6' : 'ipv4'));
  }

  /** Endpoints to try, in order. Pushes and logins never go to mirrors. */
  async endpoints(host: string, withMirrors: boolean): Promise<Endpoint[]> {
    if (host === DOCKER_HUB || host === 'index.docker.io') {
      const out: Endpoint[] = [];
      if (withMirrors) {
        for (const m of this.mirrors) {
          const url = new URL(m);
          out.push({ url: new URL(url.href.replace(/\/$/, '')), mirror: true, insecure: await this.isInsecure(url.host) });
        }
      }
      out.push({ url: new URL(`https://${DOCKER_HUB_API}`), mirror: false, insecure: false });
      return out;
    }
    const insecure = await this.isInsecure(host);
    const out: Endpoint[] = [{ url: new URL(`https://${host}`), mirror: false, insecure }];
    if (insecure) out.push({ url: new URL(`http://${host}`), mirror: false, insecure });
    return out;
  }
}

/** moby's ValidateMirror: an http(s) URL without credentials, query or fragment; ends in `/`. */
export function validateMirror(mirror: string): string {
  let uri: URL;
  try {
    uri = new URL(mirror);
  } catch {
    throw invalidArgument(`invalid mirror: "${mirror}" is not a valid URI`);
  }
  if (uri.protocol !== 'http:' && uri.protocol !== 'https:') throw invalidArgument(`invalid mirror: unsupported scheme "${uri.protocol.replace(/:$/, '')}" in "${mirror}"`);
  if (uri.search !== '' || uri.hash !== '') throw invalidArgument(`invalid mirror: query or fragment at end of the URI "${mirror}"`);
  if (uri.username !== '' || uri.password !== '') throw invalidArgument(`invalid mirror: username/password not allowed in URI "${mirror}"`);
  return mirror.replace(/\/$/, '') + '/';
}

function splitHost(host: string): string {
  if (host.startsWith('[')) return host.slice(1, host.indexOf(']'));
  const colon = host.lastIndexOf(':');
  return colon > 0 && host.indexOf(':') === colon ? host.slice(0, colon) : host;
}

function parseCidr(s: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | undefined {
  const m = /^(.+)\/(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const family = isIP(m[1]!);
  const prefix = Number(m[2]);
  if (family === 0 || prefix > (family === 4 ? 32 : 128)) return undefined;
  return { address: m[1]!, prefix, family: family === 4 ? 'ipv4' : 'ipv6' };
}

/** moby's ConvertToHostname: the host of a server address that may carry a scheme or path. */
export function hostOfServerAddress(address: string): string {
  return address.replace(/^https?:\/\//, '').split('/')[0]!;
}
