export { buildOciSpec, DEFAULT_CAPS, DEFAULT_DEVICE_RULES, type OciSpec, type OciMount, type OciResources, type SpecInput } from './spec.js';
export { resolveUser, type ExecUser } from './users.js';
export { defaultSeccompProfile, loadSeccompProfile, type OciSeccomp } from './seccomp.js';
export { OciRuntime, runtimeMessage, type RuntimeBinary, type RuntimeState } from './oci-runtime.js';
export { conmonCreate, conmonExec, resizeTerminal, cleanRuntimeMessage, CONMON_PATH, type ConmonCreate, type ConmonExec, type ExecSession, type Started } from './conmon.js';
export { AttachSocket, type OutputStream } from './attach.js';
export { readLogs, readFrom, splitRecords, parseLogLine, formatTimeNs, parseTimeNs, type LogRecord, type LogReadOptions } from './log-file.js';
export { detectCgroups, runtimeUnsupported } from './cgroups.js';
export { readCgroupStats, systemCpuNs, type CgroupStats } from './cgroup-stats.js';
