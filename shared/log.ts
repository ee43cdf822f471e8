/** Structured JSON logs, one object a line on stderr. Never pass secrets in fields. */
import { currentRequestId } from './http/request-context.ts';
import { batchedLineWriter, type LineWriter } from './log-sink.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

/**
 * A JSON-lines logger; `base` fields go on every line, then the id of the request being handled
 * (request-context.ts: it follows the request through awaits, timers and callbacks it starts), then
 * the call's fields.
 */
export function createLogger(base: Record<string, unknown> = {}, level: LogLevel = 'info', write: LineWriter = stderrLines()): Logger {
  const emit = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (order[lvl] < order[level]) return;
    write(JSON.stringify({ time: new Date().toISOString(), level: lvl, msg, ...base, ...requestIdField(), ...fields }, errorReplacer), order[lvl] >= order.warn);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (f) => createLogger({ ...base, ...f }, level, write),
  };
}

let stderrWriter: LineWriter | undefined;
/** One batched stderr writer per process, made on first use (unit tests with their own writer never make it). */
function stderrLines(): LineWriter {
  stderrWriter ??= batchedLineWriter(2);
  return stderrWriter;
}

function requestIdField(): { requestId?: string } {
  const requestId = currentRequestId();
  return requestId ? { requestId } : {};
}

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  return value;
}

/** A logger that drops everything (unit tests). */
export const silentLogger: Logger = createLogger({}, 'error', () => {});
