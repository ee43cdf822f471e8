/**
 * The WAL checkpointer's thread (checkpointer.ts starts it): its own connection to the director's
 * database, a PASSIVE checkpoint every `intervalMs`, each result posted back. PASSIVE never waits for a
 * lock and never holds one a writer or reader needs; the fsyncs it makes stall this thread only.
 */
import { Database } from 'bun:sqlite';
import type { CheckpointDone, CheckpointerCommand } from './checkpointer.ts';

declare const self: Worker;

let db: Database | undefined;
let timer: ReturnType<typeof setInterval> | undefined;

function checkpoint(): void {
  const started = performance.now();
  try {
    const row = db!.query<{ busy: number; log: number; checkpointed: number }, []>('PRAGMA wal_checkpoint(PASSIVE)').get()!;
    self.postMessage({ kind: 'done', walPages: row.log, copiedPages: row.checkpointed, ms: performance.now() - started } satisfies CheckpointDone);
  } catch (err) {
    self.postMessage({ kind: 'failed', message: (err as Error).message });
  }
}

self.onmessage = (event: MessageEvent<CheckpointerCommand>) => {
  const command = event.data;
  if (command.kind === 'start') {
    try {
      db = new Database(command.path, { strict: true });
      // The checkpoint's fsyncs follow this connection's setting: the same as the director's own.
      db.exec('PRAGMA synchronous = NORMAL');
    } catch (err) {
      self.postMessage({ kind: 'failed', message: (err as Error).message });
      return;
    }
    timer = setInterval(checkpoint, command.intervalMs);
    self.postMessage({ kind: 'started' });
  } else {
    if (timer) clearInterval(timer);
    db?.close();
    db = undefined;
    self.postMessage({ kind: 'stopped' });
  }
};
