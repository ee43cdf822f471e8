import { chmodSync, closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { RecordedAuditEvent } from './types.ts';

/** The spool's file name in the director's data_dir. */
export const AUDIT_SPOOL_FILE = 'audit-spool.jsonl';

const BLOCK_BYTES = 64 * 1024;
const OUTCOMES = new Set(['success', 'failure']);
const OPTIONAL_FIELDS = ['actor', 'target', 'clientAddress', 'backend', 'detail', 'chain', 'hash'] as const;

/** A line of the spool as an event, or undefined when it is not one (a line torn by a crash). */
function parseEvent(line: string): RecordedAuditEvent | undefined {
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(line);
  } catch {
    // A line torn by a crash mid-write: the caller skips it (and says so), the others are replayed.
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { eventId, at, type, outcome } = value;
  if (typeof eventId !== 'string' || !eventId || !Number.isSafeInteger(at) || typeof type !== 'string' || !OUTCOMES.has(outcome as string)) return undefined;
  const event: RecordedAuditEvent = { eventId, at: at as number, type, outcome: outcome as RecordedAuditEvent['outcome'] };
  for (const field of OPTIONAL_FIELDS) {
    const text = value[field];
    if (text === undefined) continue;
    if (typeof text !== 'string') return undefined;
    event[field] = text;
  }
  return event;
}

/** Writes all of `data` at the end of the open file (a short write is continued). */
function writeAll(fd: number, data: Buffer): void {
  for (let done = 0; done < data.length; ) done += writeSync(fd, data, done);
}

/**
 * Audit events the store could not take yet, in a local file: one JSON object a line, in the order
 * they were recorded, mode 0600. Appends are written and fsync'd before they return; the file is
 * emptied only once its events are in the store. Every call is synchronous, so nothing else in the
 * process runs between reading the last line and emptying the file.
 */
export class AuditSpool {
  constructor(readonly path: string) {
    if (!existsSync(path)) return;
    chmodSync(path, 0o600);
    // A crash in the middle of an append leaves a torn last line: end it, so the next append starts a line of its own.
    const size = statSync(path).size;
    if (size > 0 && this.lastByte(size) !== 0x0a) this.appendBytes(Buffer.from('\n'));
  }

  /** True when the file holds anything (events not yet stored). */
  hasEvents(): boolean {
    return existsSync(this.path) && statSync(this.path).size > 0;
  }

  /** Appends the events and fsyncs the file (and its folder when the file is new). Throws when the disk refuses. */
  append(events: RecordedAuditEvent[]): void {
    if (events.length) this.appendBytes(Buffer.from(events.map((event) => `${JSON.stringify(event)}\n`).join('')));
  }

  /**
   * Up to `maxEvents` events from byte `offset` on, complete lines only: `next` is the offset after the
   * last line taken (equal to `offset` when there is nothing more), `bad` counts lines that were not events.
   */
  read(offset: number, maxEvents: number): { events: RecordedAuditEvent[]; bad: number; next: number } {
    const events: RecordedAuditEvent[] = [];
    let bad = 0;
    let next = offset;
    if (!existsSync(this.path)) return { events, bad, next };
    const fd = openSync(this.path, 'r');
    try {
      const size = fstatSync(fd).size;
      let position = offset;
      let pending = Buffer.alloc(0);
      while (events.length + bad < maxEvents && position < size) {
        const block = Buffer.alloc(Math.min(BLOCK_BYTES, size - position));
        const got = readSync(fd, block, 0, block.length, position);
        if (got <= 0) break;
        position += got;
        pending = Buffer.concat([pending, block.subarray(0, got)]);
        for (let end = pending.indexOf(0x0a); end >= 0 && events.length + bad < maxEvents; end = pending.indexOf(0x0a)) {
          const line = pending.subarray(0, end).toString('utf8');
          pending = pending.subarray(end + 1);
          next += end + 1;
          if (!line.trim()) continue;
          const event = parseEvent(line);
          if (event) events.push(event);
          else bad++;
        }
      }
    } finally {
      closeSync(fd);
    }
    return { events, bad, next };
  }

  /** Empties the file (its events are stored). */
  clear(): void {
    if (!existsSync(this.path)) return;
    const fd = openSync(this.path, 'r+');
    try {
      ftruncateSync(fd, 0);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  private lastByte(size: number): number {
    const fd = openSync(this.path, 'r');
    try {
      const byte = Buffer.alloc(1);
      readSync(fd, byte, 0, 1, size - 1);
      return byte[0]!;
    } finally {
      closeSync(fd);
    }
  }

  private appendBytes(data: Buffer): void {
    const isNew = !existsSync(this.path);
    if (isNew) mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    const fd = openSync(this.path, 'a', 0o600);
    const before = fstatSync(fd).size;
    try {
      writeAll(fd, data);
      fsyncSync(fd);
    } catch (err) {
      // A half-written line would spoil the next one: cut it off again (best effort; the disk already refused).
      try {
        ftruncateSync(fd, before);
      } catch {
        // The disk already refused the write; the caller reports that error, which says more.
      }
      throw err;
    } finally {
      closeSync(fd);
    }
    if (isNew) this.syncFolder();
  }

  /** The file's name in its folder survives a crash only once the folder is synced too. */
  private syncFolder(): void {
    const fd = openSync(dirname(this.path), 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}
