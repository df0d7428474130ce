/**
 * Instruction flags (`--from=x`, `--link`, `--mount=…` repeated): BuildKit's instructions/bflag.go.
 * Declare the flags an instruction takes, then `parse()` the words the parser split off.
 */
import { DockerfileError } from '../errors.js';
import { withSuggestion } from './suggest.js';

type FlagType = 'bool' | 'string' | 'strings';

/** One declared flag and, after parse(), its value. */
export interface Flag {
  readonly name: string;
  readonly type: FlagType;
  /** Bool flags: 'true' or 'false'. String flags: the value or the default. */
  value: string;
  /** Strings flags: every value, in order. */
  values: string[];
}

export class BFlags {
  private readonly flags = new Map<string, Flag>();
  readonly used = new Set<string>();

  constructor(readonly args: readonly string[]) {}

  addBool(name: string, def: boolean): Flag {
    return this.add(name, 'bool', def ? 'true' : 'false');
  }

  addString(name: string, def: string): Flag {
    return this.add(name, 'string', def);
  }

  addStrings(name: string): Flag {
    return this.add(name, 'strings', '');
  }

  private add(name: string, type: FlagType, value: string): Flag {
    const flag: Flag = { name, type, value, values: [] };
    this.flags.set(name, flag);
    return flag;
  }

  isUsed(name: string): boolean {
    return this.used.has(name);
  }

  /** Applies the flag words; throws BuildKit's message for unknown, repeated or malformed flags. */
  parse(): void {
    for (const a of this.args) {
      if (a === '--') return;
      if (!a.startsWith('--')) throw new DockerfileError(`arg should start with -- : ${a}`);
      const eq = a.indexOf('=');
      const flagName = eq < 0 ? a : a.slice(0, eq);
      const hasValue = eq >= 0;
      const value = hasValue ? a.slice(eq + 1) : '';
      const name = flagName.slice(2);
      const flag = this.flags.get(name);
      if (flag === undefined) throw new DockerfileError(withSuggestion(`unknown flag: ${flagName}`, name, [...this.flags.keys()], true));
      if (this.used.has(name) && flag.type !== 'strings') throw new DockerfileError(`duplicate flag specified: ${flagName}`);
      this.used.add(name);
      this.apply(flag, flagName, hasValue, value);
    }
  }

  private apply(flag: Flag, flagName: string, hasValue: boolean, value: string): void {
    if (flag.type === 'bool') {
      if (hasValue && value === '') throw new DockerfileError(`missing a value on flag: ${flagName}`);
      const v = value.toLowerCase();
      if (v !== 'true' && v !== '' && v !== 'false') throw new DockerfileError(`expecting boolean value for flag ${flagName}, not: ${value}`);
      flag.value = v === 'false' ? 'false' : 'true';
      return;
    }
    if (!hasValue) throw new DockerfileError(`missing a value on flag: ${flagName}`);
    if (flag.type === 'string') flag.value = value;
    else flag.values.push(value);
  }
}
