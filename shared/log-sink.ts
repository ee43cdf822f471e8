import { writeSync } from 'node:fs';

/** Flush at once when this much is waiting (one pipe buffer's worth). */
const FLUSH_AT_CHARS = 64 * 1024;
/** How long a routine line (debug, info) may wait for others to share its write. */
export const HOLD_MS = 20;

/** Writes one log line; an urgent one (warn, error) is written at the end of the current event-loop turn. */
export type LineWriter = (line: string, urgent?: boolean) => void;

/**
 * A line writer for a file descriptor (default: stderr) that gathers lines into few writes. At 1,000
 * DCV verifications a second (one info line each, each in its own turn) a write(2) per turn cost about
 * as much CPU as the verification's decryption and woke the reader (journald, a pipe) on every request;
 * routine lines now wait up to HOLD_MS so a write carries ~20 of them. Warnings and errors are written at
 * the end of the turn that logged them, taking whatever waits along. Whatever is waiting is written
 * synchronously when the process exits (an uncaught exception included); only a kill -9 loses the
 * lines of the last HOLD_MS.
 */
export function batchedLineWriter(fd = 2, holdMs = HOLD_MS): LineWriter {
  let pending = '';
  let timer: ReturnType<typeof setTimeout> | undefined;
  let turnEnd = false;
  const flush = () => {
    turnEnd = false;
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (!pending) return;
    const bytes = Buffer.from(pending);
    pending = '';
    writeAll(fd, bytes);
  };
  process.on('exit', flush);
  return (line, urgent = false) => {
    pending += `${line}\n`;
    if (pending.length >= FLUSH_AT_CHARS) flush();
    else if (urgent) {
      if (!turnEnd) {
        turnEnd = true;
        setImmediate(flush);
      }
    } else if (!timer && !turnEnd) {
      // Unreferenced: a process with nothing else to do exits, and the exit hook writes the lines.
      timer = setTimeout(flush, holdMs);
      timer.unref();
    }
  };
}

/** write(2) until every byte is out; a non-blocking descriptor that is full is waited on briefly, not dropped. */
function writeAll(fd: number, bytes: Buffer): void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let offset = 0; offset < bytes.length; ) {
    try {
      offset += writeSync(fd, bytes, offset);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') return;
      Atomics.wait(pause, 0, 0, 1);
    }
  }
}
