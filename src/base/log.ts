/** Leveled logger writing one line per record; the daemon points it at its log file. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'fatal';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, fatal: 50 };

export function isLogLevel(value: string): value is LogLevel {
  return value in ORDER;
}

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  setLevel(level: LogLevel): void;
}

export function createLogger(write: (line: string) => void, level: LogLevel = 'info'): Logger {
  let min = ORDER[level];
  const emit = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>): void => {
    if (ORDER[lvl] < min) return;
    let line = `time="${new Date().toISOString()}" level=${lvl} msg=${JSON.stringify(msg)}`;
    for (const [k, v] of Object.entries(fields ?? {})) {
      const s = v instanceof Error ? (v.stack ?? v.message) : typeof v === 'string' ? v : JSON.stringify(v);
      line += ` ${k}=${JSON.stringify(s)}`;
    }
    write(line + '\n');
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    setLevel: (l) => {
      min = ORDER[l];
    },
  };
}

/** A logger that drops everything (tests). */
export const silentLogger: Logger = createLogger(() => {}, 'fatal');
