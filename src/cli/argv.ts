import type { Command, Option } from 'commander';

/** Global options that take a value: skipped when looking for the command name. */
const GLOBAL_WITH_VALUE = new Set(['-H', '--host', '--tlscacert', '--tlscert', '--tlskey']);

/**
 * docker's boolean flags also take a value (`--sig-proxy=false`, `--rm=true`), which commander's
 * do not: rewrites those into commander's spelling (`--no-sig-proxy`, `--rm`, or nothing). Only
 * the command's own flags are touched, and only before its first argument (`run IMAGE --x=false`
 * belongs to the container's command).
 */
export function normalizeBooleanFlags(program: Command, argv: string[]): string[] {
  const out = argv.slice(0, 2);
  let i = 2;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    out.push(a);
    if (GLOBAL_WITH_VALUE.has(a)) out.push(argv[++i] ?? '');
    else if (!a.startsWith('-')) break;
  }
  let cmd = findCommand(program, argv[i]);
  if (!cmd) return argv;
  const sub = findCommand(cmd, argv[i + 1]);
  if (sub) {
    out.push(argv[++i]!);
    cmd = sub;
  }
  const options = cmd.options as readonly Option[];
  for (i++; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--' || !a.startsWith('-')) break;
    const m = /^(--[^=]+|-[^-=])=(true|false)$/i.exec(a);
    if (!m) {
      out.push(a);
      // An option's value is not the first argument.
      const takesValue = options.find((o) => (o.long === a || o.short === a) && (o.required || o.optional));
      if (takesValue && i + 1 < argv.length) out.push(argv[++i]!);
      continue;
    }
    const [, flag = '', value = ''] = m;
    const on = value.toLowerCase() === 'true';
    const opt = options.find((o) => (o.long === flag || o.short === flag) && !o.required && !o.optional);
    if (!opt) {
      out.push(a);
      continue;
    }
    if (opt.negate) {
      if (on) out.push(flag);
      continue;
    }
    const negation = options.find((o) => o.negate && o.long === opt.long?.replace(/^--/, '--no-'));
    if (on) out.push(flag);
    else if (negation) out.push(negation.long!);
  }
  return [...out, ...argv.slice(i)];
}

function findCommand(parent: Command, name: string | undefined): Command | undefined {
  if (name === undefined) return undefined;
  return parent.commands.find((c) => c.name() === name || c.aliases().includes(name));
}
