import { writeSync } from 'node:fs';

/** Flush at once when this much is waiting (one pipe buffer's worth), else at the end of the event-loop turn. */
const FLUSH_AT_CHARS = 64 * 1024;

/**
 * A line writer for a file descriptor (default: stderr) that writes a turn's lines in one write
 * instead of one write per line. A director logs two lines per verifier call; at 1,000 calls a second
 * one write(2) per line cost more CPU than the call itself and woke the reader (journald, a pipe)
 * thousands of times a second. Lines are never held past the current event-loop turn, and whatever is
 * waiting is written synchronously when the process exits, so a crash loses nothing it logged.
 */
export function batchedLineWriter(fd = 2): (line: string) => void {
  let pending = '';
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (!pending) return;
    const bytes = Buffer.from(pending);
    pending = '';
    writeAll(fd, bytes);
  };
  process.on('exit', flush);
  return (line) => {
    pending += `${line}\n`;
    if (pending.length >= FLUSH_AT_CHARS) flush();
    else if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
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
