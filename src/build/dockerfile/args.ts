/**
 * Build arguments and their scoping: a port of moby's builder/dockerfile/buildargs.go, plus the
 * platform arguments BuildKit predefines. Values come from the API's `buildargs`; ARG lines make
 * them visible (with defaults); ENV of the same name wins over an ARG in expansions and RUN.
 */
import { envsFromList, type EnvGetter } from './shell/lex.js';

/** Allowed without an ARG line, and kept out of the image history (moby's builtinAllowedBuildArgs). */
export const BUILTIN_ARGS: ReadonlySet<string> = new Set([
  'HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'FTP_PROXY', 'ftp_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy',
]);

/** An OCI platform, e.g. linux/arm/v7. */
export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter((s) => s !== undefined && s !== '').join('/');
}

/**
 * BuildKit's automatic platform args (TARGETPLATFORM, TARGETOS, TARGETARCH, TARGETVARIANT and the
 * BUILD* ones): predefined in the global scope, so usable in FROM and after `ARG TARGETARCH`.
 */
export function platformArgs(build: Platform, target: Platform): Map<string, string> {
  const out = new Map<string, string>();
  for (const [prefix, p] of [['BUILD', build], ['TARGET', target]] as const) {
    out.set(`${prefix}PLATFORM`, formatPlatform(p));
    out.set(`${prefix}OS`, p.os);
    out.set(`${prefix}ARCH`, p.architecture);
    out.set(`${prefix}VARIANT`, p.variant ?? '');
  }
  return out;
}

/** `buildargs` of the request: a null value means "declared by the client, no value given". */
export type BuildArgValues = ReadonlyMap<string, string | null>;

/**
 * The build args of one scope. The global scope holds the meta args (before the first FROM);
 * each stage starts from a clone with no allowed args and declares its own with ARG.
 */
export class BuildArgs {
  private allowed = new Map<string, string | undefined>();
  private readonly meta = new Map<string, string | undefined>();
  private readonly referenced = new Set<string>();

  constructor(private readonly fromOptions: BuildArgValues) {}

  /** A copy for a new stage: meta args and references kept, stage args reset. */
  forStage(): BuildArgs {
    const stage = new BuildArgs(this.fromOptions);
    for (const [k, v] of this.meta) stage.meta.set(k, v);
    for (const k of this.referenced) stage.referenced.add(k);
    return stage;
  }

  /** Marks the args another scope consumed as consumed here too (after a stage finishes). */
  mergeReferenced(other: BuildArgs): void {
    for (const k of other.referenced) this.referenced.add(k);
  }

  /**
   * Predefined global values (BuildKit's platform args): visible to meta ARG expansions and FROM
   * lines, and to stages that declare them with a bare ARG; never reported as consumed.
   */
  predefine(values: ReadonlyMap<string, string>): void {
    for (const [k, v] of values) {
      this.meta.set(k, v);
      this.allowed.set(k, v);
    }
  }

  /** A meta ARG (before the first FROM); `value` undefined for `ARG name` without default. */
  addMetaArg(key: string, value: string | undefined): void {
    this.meta.set(key, value);
    this.addArg(key, value);
  }

  /** An ARG inside a stage. */
  addArg(key: string, value: string | undefined): void {
    this.allowed.set(key, value);
    this.referenced.add(key);
  }

  /** Values of the args declared in this stage (plus the builtin proxies when given), build args first. */
  allowedValues(): Map<string, string> {
    return this.resolve(this.allowed);
  }

  /** Values of the meta args: what FROM lines and COPY --from see. */
  metaValues(): Map<string, string> {
    return this.resolve(this.meta);
  }

  /** The allowed args as `K=V` for names not already set in `env` (ENV wins over ARG). */
  filterAllowed(env: readonly string[]): string[] {
    const set = new Set(env.map((e) => e.split('=', 1)[0]!));
    const out: string[] = [];
    for (const [k, v] of this.allowedValues()) if (!set.has(k)) out.push(`${k}=${v}`);
    return out;
  }

  /** What `$VAR` sees in a step: the config's Env, then allowed args it does not set. */
  envFor(env: readonly string[]): EnvGetter {
    return envsFromList([...env, ...this.filterAllowed(env)]);
  }

  /** Builtin proxy args are left out of the cache key and history unless declared by ARG. */
  isReferencedOrNotBuiltin(key: string): boolean {
    return this.allowed.has(key) || !BUILTIN_ARGS.has(key);
  }

  /**
   * The command recorded for a RUN (moby's prependEnvOnCmd): `|N K=V … cmd…` with the args in
   * scope, so the cache and the history tell builds with different arg values apart.
   */
  runCmdForHistory(env: readonly string[], cmd: readonly string[]): string[] {
    const allowed = this.filterAllowed(env);
    // moby prefixes whenever args are in scope, even if only unreferenced proxies were (`|0`).
    if (allowed.length === 0) return [...cmd];
    const args = allowed.filter((kv) => this.isReferencedOrNotBuiltin(kv.split('=', 1)[0]!));
    args.sort();
    return [`|${args.length}`, ...args, ...cmd];
  }

  /** Build args given by the client that no ARG consumed (builtins excluded), sorted. */
  unused(): string[] {
    return [...this.fromOptions.keys()].filter((k) => !this.referenced.has(k) && !BUILTIN_ARGS.has(k)).sort();
  }

  private resolve(source: Map<string, string | undefined>): Map<string, string> {
    const out = new Map<string, string>();
    for (const key of new Set([...source.keys(), ...BUILTIN_ARGS])) {
      const v = this.value(key, source);
      if (v !== undefined) out.set(key, v);
    }
    return out;
  }

  /** moby's getBuildArg: the client's value, else the ARG default, else the meta arg's value. */
  private value(key: string, source: Map<string, string | undefined>): string | undefined {
    const given = this.fromOptions.get(key);
    if (given !== undefined && given !== null) return given;
    // An ARG without default (or a builtin not declared here) falls back to the meta arg.
    return source.get(key) ?? this.meta.get(key);
  }
}

/** `[Warning] One or more build-args [A B] were not consumed`, or undefined when all were. */
export function unusedArgsWarning(unused: readonly string[]): string | undefined {
  return unused.length === 0 ? undefined : `[Warning] One or more build-args [${unused.join(' ')}] were not consumed\n`;
}
