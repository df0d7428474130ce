/**
 * The instructions that only change the image config (moby's dispatchers.go), and WORKDIR, which
 * also creates its directory. Each commits a step whose `container_config.Cmd` is the `#(nop)`
 * comment Docker records (`/bin/sh -c #(nop)  ENV A=1`), so cache and history match Docker's.
 */
import { posix } from 'node:path';
import { invalidArgument } from '../../base/errors.js';
import { goQuoteList } from '../dockerfile/go-quote.js';
import { expandPorts } from '../dockerfile/instructions/expand.js';
import type { Command, CommandOf } from '../dockerfile/instructions/types.js';
import { withCurrentView, workdirLayer } from './copy-layer.js';
import { goList, healthComment, healthToJson, resolveCmdLine, withCmdComment, withCmdCommentString } from './run-config.js';
import type { StepContext } from './step-context.js';
import { parsePortSpecs, parseSignal } from './specs.js';

type MetaCommand = Exclude<Command, CommandOf<'run'> | CommandOf<'copy'> | CommandOf<'add'>>;

export async function dispatchMetadata(stage: StepContext, cmd: MetaCommand): Promise<void> {
  const s = stage.state;
  const rc = s.runConfig;
  switch (cmd.kind) {
    case 'env': {
      let comment = 'ENV';
      for (const e of cmd.env) {
        const kv = `${e.key}=${e.value}`;
        comment += ` ${kv}`;
        const env = [...(rc.Env ?? [])];
        const i = env.findIndex((x) => x.split('=', 1)[0] === e.key);
        if (i >= 0) env[i] = kv;
        else env.push(kv);
        rc.Env = env;
      }
      return stage.commitMetadata(withCmdComment(rc, comment));
    }
    case 'maintainer':
      s.maintainer = cmd.maintainer;
      return stage.commitMetadata(withCmdComment(rc, `MAINTAINER ${cmd.maintainer}`));
    case 'label': {
      rc.Labels = { ...(rc.Labels ?? {}) };
      let comment = 'LABEL';
      for (const l of cmd.labels) {
        rc.Labels[l.key] = l.value;
        comment += ` ${l.key}=${l.value}`;
      }
      return stage.commitMetadata(withCmdComment(rc, comment));
    }
    case 'onbuild':
      rc.OnBuild = [...(rc.OnBuild ?? []), cmd.expression];
      return stage.commitMetadata(withCmdComment(rc, `ONBUILD ${cmd.expression}`));
    case 'workdir':
      return dispatchWorkdir(stage, cmd);
    case 'cmd': {
      const line = resolveCmdLine(cmd.cmdLine, cmd.prependShell, rc);
      rc.Cmd = line;
      rc.ArgsEscaped = false;
      await stage.commitMetadata(withCmdComment(rc, `CMD ${goQuoteList(line ?? [])}`));
      if (cmd.cmdLine.length > 0) s.cmdSet = true;
      return;
    }
    case 'entrypoint': {
      rc.Entrypoint = resolveCmdLine(cmd.cmdLine, cmd.prependShell, rc);
      rc.ArgsEscaped = false;
      if (!s.cmdSet) rc.Cmd = null;
      return stage.commitMetadata(withCmdComment(rc, `ENTRYPOINT ${goQuoteList(rc.Entrypoint ?? [])}`));
    }
    case 'healthcheck': {
      const old = rc.Healthcheck?.Test;
      if (old && old.length > 0 && old[0] !== 'NONE') stage.out.out(`Note: overriding previous HEALTHCHECK: ${goList(old)}\n`);
      rc.Healthcheck = healthToJson(cmd.health);
      return stage.commitMetadata(withCmdComment(rc, healthComment(rc.Healthcheck)));
    }
    case 'expose': {
      const ports = expandPorts(cmd, stage.env.lex, s.args.envFor(rc.Env ?? []));
      const exposed = { ...(rc.ExposedPorts ?? {}) };
      for (const p of parsePortSpecs(ports)) exposed[p] = {};
      rc.ExposedPorts = exposed;
      return stage.commitMetadata(withCmdComment(rc, `EXPOSE ${ports.join(' ')}`));
    }
    case 'user':
      rc.User = cmd.user;
      return stage.commitMetadata(withCmdComment(rc, `USER ${cmd.user}`));
    case 'volume': {
      const volumes = { ...(rc.Volumes ?? {}) };
      for (const v of cmd.volumes) {
        if (v === '') throw invalidArgument('VOLUME specified can not be an empty string');
        volumes[v] = {};
      }
      rc.Volumes = volumes;
      return stage.commitMetadata(withCmdComment(rc, `VOLUME ${goList(cmd.volumes)}`));
    }
    case 'stopsignal':
      parseSignal(cmd.signal);
      rc.StopSignal = cmd.signal;
      return stage.commitMetadata(withCmdComment(rc, `STOPSIGNAL ${cmd.signal}`));
    case 'arg': {
      const parts: string[] = [];
      for (const a of cmd.args) {
        parts.push(a.value === undefined ? a.key : `${a.key}=${a.value}`);
        s.args.addArg(a.key, a.value);
      }
      return stage.commitMetadata(withCmdComment(rc, `ARG ${parts.join(' ')}`));
    }
    case 'shell':
      rc.Shell = [...cmd.shell];
      return stage.commitMetadata(withCmdComment(rc, `SHELL ${goList(cmd.shell)}`));
  }
}

/** WORKDIR: the new working directory, created (root-owned, 0755) in a layer when missing. */
async function dispatchWorkdir(stage: StepContext, cmd: CommandOf<'workdir'>): Promise<void> {
  const rc = stage.state.runConfig;
  rc.WorkingDir = normalizeWorkdir(rc.WorkingDir ?? '', cmd.path);
  const containerConfig = withCmdCommentString(rc, `WORKDIR ${rc.WorkingDir}`);
  if (await stage.probeCache(containerConfig)) return;
  const workdir = rc.WorkingDir;
  await withCurrentView(stage, async (view) => stage.commit(containerConfig, await workdirLayer(view, workdir)));
}

/** moby's normalizeWorkdir: relative to the current one, cleaned, absolute. */
export function normalizeWorkdir(current: string, requested: string): string {
  if (requested === '') throw invalidArgument('cannot normalize nothing');
  const joined = posix.isAbsolute(requested) ? requested : posix.join('/', current, requested);
  return posix.normalize(joined).replace(/(.)\/+$/, '$1');
}
