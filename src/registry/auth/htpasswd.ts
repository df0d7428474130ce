import { readFile } from 'node:fs/promises';
import bcrypt from 'bcryptjs';
import { invalidArgument } from '../../base/errors.js';

/**
 * Users and bcrypt hashes from an htpasswd file, as `htpasswd -B` writes it (`$2y$`, also
 * `$2a$`/`$2b$`). Other schemes (MD5, SHA1, crypt) are refused at load, as distribution does.
 */
export class Htpasswd {
  private constructor(private readonly users: Map<string, string>) {}

  static parse(text: string, source = 'htpasswd'): Htpasswd {
    const users = new Map<string, string>();
    for (const [i, raw] of text.split('\n').entries()) {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) continue;
      const colon = line.indexOf(':');
      const user = line.slice(0, colon);
      const hash = line.slice(colon + 1);
      if (colon <= 0 || !/^\$2[aby]\$\d\d\$.{53}$/.test(hash)) {
        throw invalidArgument(`${source}:${i + 1}: not a bcrypt entry (make it with htpasswd -B)`);
      }
      users.set(user, hash);
    }
    return new Htpasswd(users);
  }

  static async load(path: string): Promise<Htpasswd> {
    return Htpasswd.parse(await readFile(path, 'utf8'), path);
  }

  /** Constant work whether or not the user exists, so timing does not reveal user names. */
  async verify(user: string, password: string): Promise<boolean> {
    const hash = this.users.get(user);
    const ok = await bcrypt.compare(password, hash ?? DUMMY_HASH);
    return hash !== undefined && ok;
  }
}

const DUMMY_HASH = '$2y$05$nTSmPgoaQ64I/hDB9Ri9oOtmPuZeN1jvKauOfj7.UeTgktAGKLja2';

/** `user:password` from a Basic Authorization header, or undefined. */
export function parseBasic(header: string | undefined): { user: string; password: string } | undefined {
  const m = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!m) return undefined;
  const text = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  return colon < 0 ? undefined : { user: text.slice(0, colon), password: text.slice(colon + 1) };
}
