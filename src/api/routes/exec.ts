/** `docker exec` endpoints: create, start (hijacked or detached), resize, inspect. */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ExecConfig } from '../../containers/index.js';
import { checkJsonContentType, decodeBody, queryInt, readBody, sendEmpty, sendJson, type RequestContext, type Route } from '../context.js';
import * as wire from '../../wire/index.js';
import { DetachScanner, frame, hijackHead, parseDetachKeys, RAW, safeWrite } from '../hijack.js';
import { statusOf } from '../http-errors.js';
import { execStartChecksJson } from '../version-quirks.js';
import type { EngineServices } from '../services.js';

type Json = Record<string, unknown>;

function execConfig(b: wire.ExecCreateRequest): ExecConfig {
  const cs = b.ConsoleSize;
  return {
    cmd: b.Cmd ?? [],
    env: b.Env ?? [],
    user: b.User ?? '',
    workingDir: b.WorkingDir ?? '',
    tty: b.Tty ?? false,
    privileged: b.Privileged ?? false,
    attachStdin: b.AttachStdin ?? false,
    attachStdout: b.AttachStdout ?? false,
    attachStderr: b.AttachStderr ?? false,
    detachKeys: b.DetachKeys ?? '',
    consoleSize: cs && cs.length === 2 ? [cs[0]!, cs[1]!] : undefined,
  };
}

/**
 * An exec that could not start: moby 28 reports 127 for a missing command, 126 for others; before
 * 28 (API 1.48) every failed start was 126, which clients of those versions (docker-py 5) expect.
 */
function exitCodeFor(exitCode: number | null, startFailed: boolean, apiMinor: number): number | null {
  return startFailed && apiMinor < 48 ? 126 : exitCode;
}

function inspect(s: EngineServices, id: string, apiMinor: number): Json {
  const e = s.containers.execs.get(id);
  return {
    ID: e.id,
    Running: e.running,
    ExitCode: exitCodeFor(e.exitCode, e.startFailed, apiMinor),
    ProcessConfig: { tty: e.config.tty, entrypoint: e.config.cmd[0] ?? '', arguments: e.config.cmd.slice(1), privileged: e.config.privileged, user: e.config.user },
    OpenStdin: e.config.attachStdin,
    OpenStderr: e.config.attachStderr,
    OpenStdout: e.config.attachStdout,
    CanRemove: false,
    ContainerID: e.containerId,
    DetachKeys: e.config.detachKeys,
    Pid: e.pid,
  };
}

function replyError(socket: Duplex, err: unknown): void {
  const status = statusOf(err);
  const body = JSON.stringify({ message: (err as Error).message }) + '\n';
  socket.end(`HTTP/1.1 ${status} Error\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

/** Reads the request body that follows an upgraded request's head; returns it and any stdin after it. */
function readUpgradeBody(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<{ body: Buffer; rest: Buffer }> {
  const length = Number(req.headers['content-length'] ?? 0);
  if (!length) return Promise.resolve({ body: Buffer.alloc(0), rest: head });
  return new Promise((resolve, reject) => {
    let buf = head;
    const check = (): boolean => {
      if (buf.length < length) return false;
      socket.off('data', onData);
      socket.pause();
      resolve({ body: buf.subarray(0, length), rest: buf.subarray(length) });
      return true;
    };
    const onData = (d: Buffer): void => {
      buf = Buffer.concat([buf, d]);
      check();
    };
    if (check()) return;
    socket.on('data', onData);
    socket.once('error', reject);
  });
}

/**
 * The stream's framing follows the *start* request's Tty, not the exec's (moby's rule: docker-py
 * starts a TTY exec with `Tty: false` and reads stdcopy frames). The upgraded reply names the
 * framing from API 1.42 on; the plain reply always says raw-stream.
 */
export function execStreamHead(upgrade: boolean, startTty: boolean, apiMinor: number): string {
  if (!upgrade) return `HTTP/1.1 200 OK\r\nContent-Type: ${RAW}\r\n\r\n`;
  return hijackHead(true, startTty || apiMinor < 42);
}

/** `POST /exec/{id}/start`, upgraded (the docker CLI) or plain (detached, or old clients). */
export async function startExec(s: EngineServices, req: IncomingMessage, socket: Duplex, head: Buffer, id: string, upgrade: boolean, apiMinor: number, parsedBody?: wire.ExecStartRequest): Promise<void> {
  let body: wire.ExecStartRequest = parsedBody ?? {};
  let rest: Buffer = Buffer.alloc(0);
  if (!parsedBody) {
    const r = await readUpgradeBody(req, socket, head);
    rest = r.rest;
    try {
      if (execStartChecksJson(apiMinor)) checkJsonContentType(req);
      body = decodeBody(r.body, wire.ExecStartRequest) ?? {};
    } catch (err) {
      replyError(socket, err);
      return;
    }
  }
  let e;
  try {
    e = s.containers.execs.get(id);
  } catch (err) {
    replyError(socket, err);
    return;
  }
  const tty = body.Tty === true;
  // No console size without a TTY start, nor before API 1.42 (moby); the exec's own then applies.
  const cs = body.ConsoleSize;
  const consoleSize: [number, number] | undefined = tty && apiMinor >= 42 && cs && cs.length === 2 ? [cs[0]!, cs[1]!] : undefined;
  let keys: Buffer;
  try {
    keys = parseDetachKeys(e.config.detachKeys || 'ctrl-p,ctrl-q');
  } catch (err) {
    replyError(socket, err);
    return;
  }
  const out = (stream: 'stdout' | 'stderr', data: Buffer): Buffer => (tty ? data : frame(stream, data));
  let headSent = false;
  try {
    const started = s.containers.execs.start(id, {
      consoleSize,
      attach: (proc) => {
        socket.write(execStreamHead(upgrade, tty, apiMinor));
        headSent = true;
        let detached = false;
        proc.onOutput((stream, data) => {
          if ((stream === 'stdout' && !e.config.attachStdout) || (stream === 'stderr' && !e.config.attachStderr)) return;
          safeWrite(socket, out(stream, data));
        });
        proc.onClose(() => {
          // The CLI reads ExitCode as soon as the stream ends: have it first.
          const done = (): void => {
            if (!socket.destroyed) socket.end();
          };
          // A start that failed is reported (and the stream ended) by the catch below.
          void started.then((r) => Promise.race([r.exitCode, new Promise((res) => setTimeout(res, 5000))])).then(done, () => {});
        });
        if (e.config.attachStdin) {
          // Detach keys apply to an exec with a TTY only (moby's AttachConfig.TTY is the exec's).
          const scanner = new DetachScanner(e.config.tty ? keys : Buffer.alloc(0));
          const onStdin = (data: Buffer): void => {
            if (detached) return;
            const { pass, detach } = scanner.push(data);
            if (pass.length) void proc.writeStdin(pass);
            if (detach) {
              detached = true;
              socket.end();
            }
          };
          if (rest.length) onStdin(rest);
          socket.on('data', onStdin);
          socket.on('end', () => proc.closeStdin());
          socket.resume();
        } else socket.resume();
        socket.on('close', () => {
          if (!detached) proc.close();
        });
      },
    });
    await started;
  } catch (err) {
    if (!headSent) replyError(socket, err);
    else {
      // Docker writes a failed exec's error into the stream, as stdout.
      safeWrite(socket, out('stdout', Buffer.from(`${(err as Error).message}\r\n`)));
      socket.end();
    }
    return;
  }
  socket.on('error', () => {});
}

export function execRoutes(s: EngineServices): Route[] {
  return [
    ['POST', '/containers/:id/exec', async (ctx: RequestContext) => {
      const body = (await readBody(ctx, wire.ExecCreateRequest)) ?? {};
      const id = s.containers.execs.create(ctx.params.id!, execConfig(body));
      sendJson(ctx.res, 201, { Id: id });
    }],
    ['POST', '/exec/:id/start', async (ctx: RequestContext) => {
      const body = (await readBody(ctx, wire.ExecStartRequest, undefined, !execStartChecksJson(ctx.apiMinor))) ?? {};
      if (body.Detach === true) {
        s.containers.execs.get(ctx.params.id!);
        const { exitCode } = await s.containers.execs.start(ctx.params.id!, {});
        exitCode.catch(() => {});
        sendEmpty(ctx.res, 200);
        return;
      }
      // An old client without Upgrade still gets the stream, on the plain connection.
      const socket = ctx.req.socket;
      ctx.res.detachSocket(socket);
      await startExec(s, ctx.req, socket, Buffer.alloc(0), ctx.params.id!, false, ctx.apiMinor, body);
    }],
    ['POST', '/exec/:id/resize', async (ctx) => {
      await s.containers.execs.resize(ctx.params.id!, queryInt(ctx.query, 'h') ?? 0, queryInt(ctx.query, 'w') ?? 0);
      sendEmpty(ctx.res, 200);
    }],
    ['GET', '/exec/:id/json', async (ctx) => sendJson(ctx.res, 200, inspect(s, ctx.params.id!, ctx.apiMinor))],
  ];
}

