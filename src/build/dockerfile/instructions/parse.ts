/**
 * AST → typed instructions and stages: a port of BuildKit's instructions/parse.go, with its
 * validation and messages (`dockerfile parse error on line 3: unknown instruction: RUNN (did you
 * mean RUN?)`).
 */
import { DockerfileError, messageOf, type LineRange } from '../errors.js';
import type { Heredoc, Node } from '../parser/node.js';
import { chompHeredocContent, parseHeredoc } from '../parser/parser.js';
import { BFlags } from './bflag.js';
import { parseGoDuration } from './go-formats.js';
import { NETWORK_MODES, SECURITY_MODES, parseMount, type NetworkMode, type SecurityMode } from './run-mount.js';
import { goQuote } from '../go-quote.js';
import { withSuggestion } from './suggest.js';
import type { ArgDef, Command, CommandBase, HealthConfig, KeyValue, ShellDependentCmdLine, SourcesAndDest, Stage } from './types.js';

const INSTRUCTIONS = ['ADD', 'ARG', 'CMD', 'COPY', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'FROM', 'HEALTHCHECK', 'LABEL', 'MAINTAINER', 'ONBUILD', 'RUN', 'SHELL', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR'];
const STAGE_NAME = /^[a-z][a-z0-9-_.]*$/;

/** The parsed Dockerfile: stages in order and the ARGs before the first FROM. */
export interface Instructions {
  stages: Stage[];
  metaArgs: (CommandBase & { kind: 'arg'; args: ArgDef[] })[];
}

interface Request {
  keyword: string;
  args: string[];
  heredocs: Heredoc[];
  json: boolean;
  flags: BFlags;
  original: string;
  range: LineRange;
}

/** Turns the AST into stages; errors say `dockerfile parse error on line N: …` as Docker's do. */
export function parseInstructions(ast: Node): Instructions {
  const stages: Stage[] = [];
  const metaArgs: Instructions['metaArgs'] = [];
  for (const node of ast.children) {
    let parsed: Stage | Command;
    try {
      parsed = parseInstruction(node);
    } catch (err) {
      throw new DockerfileError(`dockerfile parse error on line ${node.startLine}: ${messageOf(err)}`, rangeOf(node), err);
    }
    if ('commands' in parsed) {
      stages.push({ ...parsed, index: stages.length });
    } else if (stages.length === 0 && parsed.kind === 'arg') {
      metaArgs.push(parsed);
    } else if (stages.length === 0) {
      throw new DockerfileError('no build stage in current context', rangeOf(node));
    } else {
      stages[stages.length - 1]!.commands.push(parsed);
    }
  }
  return { stages, metaArgs };
}

function rangeOf(node: Node): LineRange {
  return { start: node.startLine, end: node.endLine };
}

function nodeArgs(node: Node): string[] {
  const result: string[] = [];
  for (let n = node.next; n !== undefined; n = n.next) {
    if (n.children.length === 0) result.push(n.value);
    else if (n.children.length === 1) result.push(n.children[0]!.value, ...nodeArgs(n.children[0]!));
  }
  return result;
}

/** One AST node → a stage (FROM) or a command; throws the bare message (no line prefix). */
export function parseInstruction(node: Node): Stage | Command {
  const req: Request = {
    keyword: node.value,
    args: nodeArgs(node),
    heredocs: node.heredocs,
    json: node.attributes.json === true,
    flags: new BFlags(node.flags),
    original: node.original,
    range: rangeOf(node),
  };
  const base: CommandBase = { keyword: node.value, code: node.original.trim(), range: req.range };
  const parse = PARSERS[node.value.toLowerCase()];
  if (parse === undefined) throw new DockerfileError(withSuggestion(`unknown instruction: ${node.value}`, node.value, INSTRUCTIONS, false));
  return parse(req, base);
}

type Parser = (req: Request, base: CommandBase) => Stage | Command;

const PARSERS: Record<string, Parser> = {
  env: (req, base) => ({ ...base, kind: 'env', env: (req.flags.parse(), parseKvps(req.args, 'ENV')) }),
  maintainer: (req, base) => {
    if (req.args.length !== 1) throw exactlyOne('MAINTAINER');
    req.flags.parse();
    return { ...base, kind: 'maintainer', maintainer: req.args[0]! };
  },
  label: (req, base) => ({ ...base, kind: 'label', labels: (req.flags.parse(), parseKvps(req.args, 'LABEL')) }),
  add: parseAdd,
  copy: parseCopy,
  from: parseFrom,
  onbuild: parseOnBuild,
  workdir: (req, base) => ({ ...base, kind: 'workdir', path: oneArg(req, 'WORKDIR') }),
  run: parseRun,
  cmd: (req, base) => ({ ...base, kind: 'cmd', ...(req.flags.parse(), shellDependent(req)) }),
  entrypoint: (req, base) => ({ ...base, kind: 'entrypoint', ...(req.flags.parse(), shellDependent(req)) }),
  healthcheck: (req, base) => ({ ...base, kind: 'healthcheck', health: parseHealthcheck(req) }),
  expose: (req, base) => {
    if (req.args.length === 0) throw atLeastOne('EXPOSE');
    req.flags.parse();
    return { ...base, kind: 'expose', ports: [...req.args].sort() };
  },
  user: (req, base) => ({ ...base, kind: 'user', user: oneArg(req, 'USER') }),
  volume: parseVolume,
  stopsignal: (req, base) => {
    if (req.args.length !== 1) throw exactlyOne('STOPSIGNAL');
    return { ...base, kind: 'stopsignal', signal: req.args[0]! };
  },
  arg: (req, base) => ({ ...base, kind: 'arg', args: parseArg(req) }),
  shell: parseShell,
};

function oneArg(req: Request, name: string): string {
  if (req.args.length !== 1) throw exactlyOne(name);
  req.flags.parse();
  return req.args[0]!;
}

function parseKvps(args: string[], name: string): KeyValue[] {
  if (args.length === 0) throw atLeastOne(name);
  if (args.length % 3 !== 0) throw new DockerfileError(`Bad input to ${name}, too many arguments`);
  const out: KeyValue[] = [];
  for (let j = 0; j < args.length; j += 3) {
    if (args[j]!.length === 0) throw blankNames(name);
    out.push({ key: args[j]!, value: args[j + 1]!, noDelim: args[j + 2] === '' });
  }
  return out;
}

/** BuildKit's MustParseHeredoc: a malformed opener is just a path. */
function heredocWord(word: string): ReturnType<typeof parseHeredoc> {
  try {
    return parseHeredoc(word);
  } catch {
    return undefined;
  }
}

function sourcesAndDest(req: Request, name: string): SourcesAndDest {
  const dest = req.args[req.args.length - 1]!;
  if (heredocWord(dest) !== undefined) throw new DockerfileError(`${name} cannot accept a heredoc as a destination`);
  const byName = new Map(req.heredocs.map((h) => [h.name, h]));
  const out: SourcesAndDest = { dest, sources: [], contents: [] };
  for (const src of req.args.slice(0, -1)) {
    const heredoc = heredocWord(src);
    if (heredoc === undefined) {
      out.sources.push(src);
      continue;
    }
    const content = byName.get(heredoc.name)?.content ?? '';
    out.contents.push({ path: heredoc.name, data: heredoc.chomp ? chompHeredocContent(content) : content, expand: heredoc.expand });
  }
  return out;
}

function parseAdd(req: Request, base: CommandBase): Command {
  if (req.args.length < 2) throw noDestination('ADD');
  const f = req.flags;
  const chown = f.addString('chown', '');
  const chmod = f.addString('chmod', '');
  const link = f.addBool('link', false);
  const keepGitDir = f.addBool('keep-git-dir', false);
  const checksum = f.addString('checksum', '');
  const unpack = f.addBool('unpack', false);
  const excludes = f.addStrings('exclude');
  f.parse();
  return {
    ...base,
    kind: 'add',
    ...sourcesAndDest(req, 'ADD'),
    chown: chown.value,
    chmod: chmod.value,
    link: link.value === 'true',
    excludes: excludes.values,
    checksum: checksum.value,
    ...(f.isUsed('keep-git-dir') ? { keepGitDir: keepGitDir.value === 'true' } : {}),
    ...(f.isUsed('unpack') ? { unpack: unpack.value === 'true' } : {}),
  };
}

function parseCopy(req: Request, base: CommandBase): Command {
  if (req.args.length < 2) throw noDestination('COPY');
  const f = req.flags;
  const chown = f.addString('chown', '');
  const from = f.addString('from', '');
  const chmod = f.addString('chmod', '');
  const link = f.addBool('link', false);
  const excludes = f.addStrings('exclude');
  const parents = f.addBool('parents', false);
  f.parse();
  return {
    ...base,
    kind: 'copy',
    ...sourcesAndDest(req, 'COPY'),
    from: from.value,
    chown: chown.value,
    chmod: chmod.value,
    link: link.value === 'true',
    excludes: excludes.values,
    parents: parents.value === 'true',
  };
}

function parseFrom(req: Request, base: CommandBase): Stage {
  const args = req.args;
  let name = '';
  if (args.length === 3 && args[1]!.toLowerCase() === 'as') {
    name = args[2]!.toLowerCase();
    if (!STAGE_NAME.test(name)) throw new DockerfileError(`invalid name for build stage: ${goQuote(args[2]!)}, name can't start with a number or contain symbols`);
  } else if (args.length !== 1) {
    throw new DockerfileError('FROM requires either one or three arguments');
  }
  const platform = req.flags.addString('platform', '');
  req.flags.parse();
  return { index: 0, name, baseName: args[0]!, platform: platform.value, keyword: base.keyword, code: base.code, range: base.range, commands: [] };
}

function parseOnBuild(req: Request, base: CommandBase): Command {
  if (req.args.length === 0) throw atLeastOne('ONBUILD');
  req.flags.parse();
  const trigger = req.args[0]!.trim().toUpperCase();
  if (trigger === 'ONBUILD') throw new DockerfileError('Chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed');
  if (trigger === 'MAINTAINER' || trigger === 'FROM') throw new DockerfileError(`${trigger} isn't allowed as an ONBUILD trigger`);
  let expression = req.original.replace(/^\s*ONBUILD\s*/i, '');
  for (const heredoc of req.heredocs) expression += '\n' + heredoc.content + heredoc.name;
  return { ...base, kind: 'onbuild', expression };
}

function shellDependent(req: Request): ShellDependentCmdLine {
  const files = req.heredocs.map((h) => ({ name: h.name, data: h.content, chomp: h.chomp }));
  const cmdLine = req.args.length === 0 ? [] : req.json ? req.args : [req.args.join(' ')];
  return { cmdLine, files, prependShell: !req.json };
}

function parseRun(req: Request, base: CommandBase): Command {
  const mount = req.flags.addStrings('mount');
  const network = req.flags.addString('network', 'default');
  const security = req.flags.addString('security', 'sandbox');
  req.flags.parse();
  const flagsUsed = [...req.flags.used];
  const cmd = shellDependent(req);
  for (const spec of mount.values) parseMount(spec);
  if (!NETWORK_MODES.includes(network.value as NetworkMode)) throw new DockerfileError(`invalid network mode ${goQuote(network.value)}`);
  if (!SECURITY_MODES.includes(security.value as SecurityMode)) throw new DockerfileError(`security ${goQuote(security.value)} is not valid`);
  return { ...base, kind: 'run', ...cmd, flagsUsed, mounts: mount.values, network: network.value as NetworkMode, security: security.value as SecurityMode };
}

function parseHealthcheck(req: Request): HealthConfig {
  if (req.args.length === 0) throw atLeastOne('HEALTHCHECK');
  const typ = req.args[0]!.toUpperCase();
  const args = req.args.slice(1);
  const health: HealthConfig = { test: [typ], interval: 0, timeout: 0, startPeriod: 0, startInterval: 0, retries: 0 };
  if (typ === 'NONE') {
    if (args.length !== 0) throw new DockerfileError('HEALTHCHECK NONE takes no arguments');
    return health;
  }
  const f = req.flags;
  const flags = { interval: f.addString('interval', ''), timeout: f.addString('timeout', ''), startPeriod: f.addString('start-period', ''), startInterval: f.addString('start-interval', ''), retries: f.addString('retries', '') };
  f.parse();
  if (typ !== 'CMD') throw new DockerfileError(`Unknown type ${goQuote(typ)} in HEALTHCHECK (try CMD)`);
  const cmd = args.length === 0 ? [] : req.json ? args : [args.join(' ')];
  if (cmd.length === 0) throw new DockerfileError('Missing command after HEALTHCHECK CMD');
  health.test = [req.json ? 'CMD' : 'CMD-SHELL', ...cmd];
  health.interval = optInterval('interval', flags.interval.value);
  health.timeout = optInterval('timeout', flags.timeout.value);
  health.startPeriod = optInterval('start-period', flags.startPeriod.value);
  health.startInterval = optInterval('start-interval', flags.startInterval.value);
  if (flags.retries.value !== '') {
    const retries = /^[+-]?\d+$/.test(flags.retries.value) ? Number(flags.retries.value) : Number.NaN;
    if (!Number.isSafeInteger(retries) || Math.abs(retries) > 2 ** 31 - 1) throw new DockerfileError(`strconv.ParseInt: parsing ${goQuote(flags.retries.value)}: ${Number.isNaN(retries) ? 'invalid syntax' : 'value out of range'}`);
    if (retries < 0) throw new DockerfileError(`--retries cannot be negative (${retries})`);
    health.retries = retries;
  }
  return health;
}

/** A duration flag in ns; 0 when empty; at least 1ms otherwise. */
function optInterval(name: string, value: string): number {
  if (value === '') return 0;
  let d: number;
  try {
    d = parseGoDuration(value);
  } catch (err) {
    throw new DockerfileError(messageOf(err));
  }
  if (d === 0) return 0;
  if (d < 1e6) throw new DockerfileError(`Interval ${goQuote(name)} cannot be less than 1ms`);
  return d;
}

function parseVolume(req: Request, base: CommandBase): Command {
  if (req.args.length === 0) throw atLeastOne('VOLUME');
  req.flags.parse();
  const volumes = req.args.map((v) => {
    const trimmed = v.trim();
    if (trimmed === '') throw new DockerfileError('VOLUME specified can not be an empty string');
    return trimmed;
  });
  return { ...base, kind: 'volume', volumes };
}

function parseArg(req: Request): ArgDef[] {
  if (req.args.length < 1) throw atLeastOne('ARG');
  return req.args.map((arg) => {
    const eq = arg.indexOf('=');
    if (eq < 0) return { key: arg };
    if (eq === 0) throw blankNames('ARG');
    return { key: arg.slice(0, eq), value: arg.slice(eq + 1) };
  });
}

function parseShell(req: Request, base: CommandBase): Command {
  req.flags.parse();
  const shell = req.args.length === 0 ? [] : req.json ? req.args : [req.args.join(' ')];
  if (shell.length === 0) throw atLeastOne('SHELL');
  if (!req.json) throw new DockerfileError('SHELL requires the arguments to be in JSON form');
  return { ...base, kind: 'shell', shell };
}

const atLeastOne = (name: string): DockerfileError => new DockerfileError(`${name} requires at least one argument`);
const exactlyOne = (name: string): DockerfileError => new DockerfileError(`${name} requires exactly one argument`);
const blankNames = (name: string): DockerfileError => new DockerfileError(`${name} names can not be blank`);
const noDestination = (name: string): DockerfileError =>
  new DockerfileError(`${name} requires at least two arguments, but only one was provided. Destination could not be determined`);
