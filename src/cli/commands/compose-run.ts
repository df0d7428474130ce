/**
 * `compose exec` and `compose run`: a command in a service's running container, or in a new
 * one-off container of the service (`proj-web-run-0a1b2c3d4e5f`), attached as docker does it.
 */
import { randomBytes } from '../../base/crypto.js';
import { escapePath, readAll } from '../../client/index.js';
import { createServiceContainer, ensureImages, ensureNetworks, ensureVolumes, parsePortShort, parseVolumeShort, targetServices, usedNetworks, usedVolumes, up, type Context, type ImageHooks, type PortConfig, type Service, type VolumeMount } from '../../compose/index.js';
import type { CliContext } from '../context.js';
import { StatusError } from '../errors.js';
import { forwardSignals, monitorTtySize, streamAttached } from '../hijacked-io.js';

export interface ExecFlags {
  detach?: boolean;
  tty: boolean;
  interactive: boolean;
  env?: string[];
  user?: string;
  workdir?: string;
  privileged?: boolean;
  index: string;
}

export async function composeExec(ctx: CliContext, c: Context, service: string, command: string[], o: ExecFlags): Promise<void> {
  const containers = (await c.engine.containers(c.project.name, { services: [service], oneoff: false, all: false })).filter((ct) => ct.State === 'running');
  const n = Number(o.index);
  const target = containers.find((ct) => Number(ct.Labels['com.docker.compose.container-number']) === n);
  if (!target) throw new Error(containers.length === 0 ? `service ${JSON.stringify(service)} is not running` : `service "${service}" is not running container #${n}`);
  const tty = o.tty && Boolean(process.stdin.isTTY);
  const stdin = !o.detach && o.interactive;
  const { Id: execId } = await ctx.client.json<{ Id: string }>('POST', `/containers/${escapePath(target.Id)}/exec`, {
    body: { AttachStdin: stdin, AttachStdout: !o.detach, AttachStderr: !o.detach, Tty: tty, Cmd: command, Env: o.env ?? [], User: o.user ?? '', WorkingDir: o.workdir ?? '', Privileged: o.privileged ?? false },
  });
  if (o.detach) {
    (await ctx.client.call('POST', `/exec/${execId}/start`, { body: { Detach: true, Tty: tty } })).resume();
    return;
  }
  const socket = await ctx.client.hijack('POST', `/exec/${execId}/start`, { body: { Detach: false, Tty: tty } });
  const unmonitor = tty && process.stdout.isTTY ? monitorTtySize(ctx.client, `/exec/${execId}/resize`) : () => {};
  try {
    await streamAttached({ socket, tty, stdin, stdout: true, stderr: true });
  } finally {
    unmonitor();
  }
  const { ExitCode } = await ctx.client.json<{ ExitCode: number | null }>('GET', `/exec/${execId}/json`);
  if (ExitCode) throw new StatusError(ExitCode);
}

export interface RunFlags {
  detach?: boolean;
  rm?: boolean;
  name?: string;
  entrypoint?: string;
  env?: string[];
  user?: string;
  workdir?: string;
  tty: boolean;
  interactive: boolean;
  deps: boolean;
  servicePorts?: boolean;
  build?: boolean;
  label?: string[];
  publish?: string[];
  volume?: string[];
}

export async function composeRun(ctx: CliContext, c: Context, hooks: ImageHooks, service: string, command: string[], o: RunFlags, warn: (m: string) => void): Promise<void> {
  const p = c.project;
  if (!p.services[service]) throw new Error(`no such service: ${service}`);
  // The dependencies come up as `up` would bring them; the service itself only as this container.
  const deps = o.deps ? targetServices(p, [service]).filter((s) => s !== service) : [];
  if (deps.length) await up(c, hooks, { services: deps, warn });
  const [id] = (await ensureImages(c, hooks, [service], { build: o.build })).values();
  await ensureNetworks(p, c.engine, c.progress, usedNetworks(p, [service]));
  await ensureVolumes(p, c.engine, c.progress, usedVolumes(p, [service]));
  const slug = randomBytes(6).toString('hex');
  const name = o.name ?? `${p.name}-${service}-run-${slug}`;
  const tty = o.tty && !o.detach && Boolean(process.stdin.isTTY);
  const interactive = !o.detach && o.interactive;
  const labels = Object.fromEntries((o.label ?? []).map((l) => [l.split('=')[0]!, l.split('=').slice(1).join('=')]));
  // -p and -v add to the service's own (whose ports apply only with --service-ports).
  const base = p.services[service]!;
  const svc: Service = {
    ...base,
    ports: [...(o.servicePorts ? (base.ports ?? []) : []), ...(o.publish ?? []).flatMap((x) => parsePortShort(x) as unknown as PortConfig[])],
    volumes: [...(base.volumes ?? []), ...(o.volume ?? []).map((v) => parseVolumeShort(v, process.cwd()) as unknown as VolumeMount)],
  };
  const containerId = await createServiceContainer(c, service, 1, id!, {
    name,
    oneoff: true,
    slug,
    command: command.length ? command : undefined,
    entrypoint: o.entrypoint !== undefined ? [o.entrypoint] : undefined,
    env: o.env,
    user: o.user,
    workdir: o.workdir,
    tty,
    interactive,
    labels,
    svc,
  });
  if (o.detach) {
    await c.engine.start(containerId);
    ctx.print(name);
    return;
  }
  const socket = await ctx.client.hijack('POST', `/containers/${containerId}/attach`, { query: { stream: true, stdin: interactive, stdout: true, stderr: true } });
  const waitRes = await ctx.client.call('POST', `/containers/${containerId}/wait`, { query: { condition: 'next-exit' } });
  const status = readAll(waitRes).then((b) => (JSON.parse(b.toString('utf8')) as { StatusCode: number }).StatusCode);
  await c.engine.start(containerId);
  const unproxy = forwardSignals(ctx.client, containerId);
  const unmonitor = tty && process.stdout.isTTY ? monitorTtySize(ctx.client, `/containers/${containerId}/resize`) : () => {};
  let code: number;
  try {
    await streamAttached({ socket, tty, stdin: interactive, stdout: true, stderr: true });
    code = await status;
  } finally {
    unmonitor();
    unproxy();
  }
  if (o.rm) await c.engine.remove(containerId, { force: true, volumes: true });
  if (code !== 0) throw new StatusError(code);
}

