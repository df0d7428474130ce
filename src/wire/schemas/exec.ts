/** Exec request bodies as moby v28 declares them (api/types/container/exec.go). */
import { bool, consoleSize, str, strings, struct, type Static } from './go-types.js';

/** The body of `POST /containers/{id}/exec`. */
export const ExecCreateRequest = struct('ExecOptions', 'container.ExecOptions', {
  User: str(),
  Privileged: bool(),
  Tty: bool(),
  ConsoleSize: consoleSize(),
  AttachStdin: bool(),
  AttachStderr: bool(),
  AttachStdout: bool(),
  Detach: bool(),
  DetachKeys: str(),
  Env: strings(),
  WorkingDir: str(),
  Cmd: strings(),
});
export type ExecCreateRequest = Static<typeof ExecCreateRequest>;

/** The body of `POST /exec/{id}/start`. */
export const ExecStartRequest = struct('ExecStartOptions', 'container.ExecStartOptions', { Detach: bool(), Tty: bool(), ConsoleSize: consoleSize() });
export type ExecStartRequest = Static<typeof ExecStartRequest>;
