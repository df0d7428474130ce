/**
 * `USER name[:group]` resolved as runc's libcontainer/user does (GetExecUser): against the image's
 * own /etc/passwd and /etc/group, read chroot-style from the container's root filesystem.
 */
import { readFileSync } from 'node:fs';
import { BerthError, isErrno } from '../base/errors.js';
import { resolveInRoot } from '../base/root-path.js';

export interface ExecUser {
  uid: number;
  gid: number;
  additionalGids: number[];
  home: string;
}

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}
interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

const MAX_ID = 2 ** 31 - 1;
const isNumeric = (s: string): boolean => /^\d+$/.test(s);

function readEtc(rootfs: string, file: string): string[] {
  try {
    return readFileSync(resolveInRoot(rootfs, `/etc/${file}`), 'utf8').split('\n');
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR') || isErrno(err, 'EISDIR')) return [];
    throw err;
  }
}

function passwd(rootfs: string): PasswdEntry[] {
  return readEtc(rootfs, 'passwd')
    .map((l) => l.trim().split(':'))
    .filter((f) => f.length >= 4 && f[0] !== '' && !f[0]!.startsWith('#'))
    .map((f) => ({ name: f[0]!, uid: Number(f[2]), gid: Number(f[3]), home: f[5] ?? '' }));
}

function groups(rootfs: string): GroupEntry[] {
  return readEtc(rootfs, 'group')
    .map((l) => l.trim().split(':'))
    .filter((f) => f.length >= 3 && f[0] !== '' && !f[0]!.startsWith('#'))
    .map((f) => ({ name: f[0]!, gid: Number(f[2]), members: (f[3] ?? '').split(',').filter(Boolean) }));
}

function checkId(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 0 || n > MAX_ID) throw new BerthError('InvalidArgument', `${what} ${n} is out of range`);
  return n;
}

/** Resolves `--user` / the image's USER and `--group-add` against the rootfs. */
export function resolveUser(rootfs: string, spec: string, groupAdd: readonly string[] = []): ExecUser {
  const [userPart = '', groupPart] = spec.split(':', 2) as [string, string | undefined];
  const users = passwd(rootfs);
  let user: PasswdEntry | undefined;
  let result: ExecUser = { uid: 0, gid: 0, additionalGids: [], home: '/' };
  if (userPart === '') {
    user = users.find((u) => u.uid === 0);
  } else if (isNumeric(userPart)) {
    user = users.find((u) => u.uid === Number(userPart));
    if (!user) result.uid = checkId(Number(userPart), 'uid');
  } else {
    user = users.find((u) => u.name === userPart);
    if (!user) throw new BerthError('InvalidArgument', `unable to find user ${userPart}: no matching entries in passwd file`);
  }
  if (user) result = { uid: user.uid, gid: user.gid, additionalGids: [], home: user.home || '/' };
  const allGroups = groups(rootfs);
  if (groupPart !== undefined && groupPart !== '') {
    if (isNumeric(groupPart)) result.gid = checkId(Number(groupPart), 'gid');
    else {
      const g = allGroups.find((x) => x.name === groupPart);
      if (!g) throw new BerthError('InvalidArgument', `unable to find group ${groupPart}: no matching entries in group file`);
      result.gid = g.gid;
    }
  } else if (user) {
    // Supplementary groups come from /etc/group only when no group was named (runc's rule).
    result.additionalGids = allGroups.filter((g) => g.members.includes(user.name)).map((g) => g.gid);
  }
  for (const add of groupAdd) {
    if (isNumeric(add)) result.additionalGids.push(checkId(Number(add), 'gid'));
    else {
      const g = allGroups.find((x) => x.name === add);
      if (!g) throw new BerthError('InvalidArgument', `Unable to find group ${add}: no matching entries in group file`);
      result.additionalGids.push(g.gid);
    }
  }
  result.additionalGids = [...new Set(result.additionalGids)];
  return result;
}
