/** Token scopes (`repository:<name>:pull,push`, `registry:catalog:*`) and access rules. */
import { readFile } from 'node:fs/promises';
import { invalidArgument } from '../../base/errors.js';

export type Action = 'pull' | 'push' | 'delete' | '*';

export interface Access {
  type: string;
  name: string;
  actions: string[];
}

/** Parses a space-separated list of scopes; malformed entries are ignored, as distribution does. */
export function parseScopes(values: string[]): Access[] {
  const out: Access[] = [];
  for (const value of values) {
    for (const scope of value.split(' ')) {
      const first = scope.indexOf(':');
      const last = scope.lastIndexOf(':');
      if (first <= 0 || last === first) continue;
      out.push({ type: scope.slice(0, first), name: scope.slice(first + 1, last), actions: scope.slice(last + 1).split(',').filter(Boolean) });
    }
  }
  return out;
}

export function formatScope(a: Access): string {
  return `${a.type}:${a.name}:${a.actions.join(',')}`;
}

/**
 * One rule of the access file: what `account` may do on names matching `name`. `account` is a
 * user name, `*` (any authenticated user) or `anonymous`; `name` is a glob where `*` matches
 * anything (slashes too) and `${account}` stands for the user's own name.
 */
export interface AccessRule {
  account: string;
  type?: string;
  name: string;
  actions: string[];
}

export interface AccessPolicy {
  /** The subset of `wanted` actions `account` (undefined: anonymous) may perform on the resource. */
  allowed(account: string | undefined, type: string, name: string, wanted: string[]): string[];
}

const ALL_ACTIONS = ['pull', 'push', 'delete'];

/** Without an access file: every authenticated user may do everything, anonymous nothing. */
export const authenticatedFullAccess: AccessPolicy = {
  allowed: (account, _type, _name, wanted) => (account === undefined ? [] : expand(wanted)),
};

export class RulePolicy implements AccessPolicy {
  constructor(private readonly rules: AccessRule[]) {}

  static async load(path: string): Promise<RulePolicy> {
    let doc: unknown;
    try {
      doc = JSON.parse(await readFile(path, 'utf8'));
    } catch (err) {
      throw invalidArgument(`access file ${path}: ${err instanceof Error ? err.message : String(err)}`, err);
    }
    const rules = (doc as { rules?: unknown }).rules;
    if (!Array.isArray(rules) || !rules.every(isRule)) throw invalidArgument(`access file ${path}: expected {"rules":[{"account","name","actions"}]}`);
    return new RulePolicy(rules);
  }

  allowed(account: string | undefined, type: string, name: string, wanted: string[]): string[] {
    const granted = new Set<string>();
    for (const rule of this.rules) {
      if ((rule.type ?? 'repository') !== type) continue;
      if (!accountMatches(rule.account, account)) continue;
      if (!globMatches(rule.name.replaceAll('${account}', account ?? ''), name)) continue;
      for (const a of rule.actions) for (const x of a === '*' ? ['*', ...ALL_ACTIONS] : [a]) granted.add(x);
    }
    return expand(wanted).filter((a) => granted.has(a));
  }
}

function expand(wanted: string[]): string[] {
  return [...new Set(wanted)];
}

function accountMatches(ruleAccount: string, account: string | undefined): boolean {
  if (ruleAccount === 'anonymous') return account === undefined;
  if (account === undefined) return false;
  return ruleAccount === '*' || ruleAccount === account;
}

function globMatches(pattern: string, name: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(name);
}

function isRule(r: unknown): r is AccessRule {
  const x = r as AccessRule;
  return typeof x === 'object' && x !== null && typeof x.account === 'string' && typeof x.name === 'string' && Array.isArray(x.actions) && x.actions.every((a) => typeof a === 'string');
}
