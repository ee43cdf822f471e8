import type { Database } from 'bun:sqlite';
import { existsSync } from 'node:fs';
import type { Logger } from '../../shared/log.ts';

/** What the main thread tells the checkpointer's thread (checkpoint-worker.ts). */
export type CheckpointerCommand = { kind: 'start'; path: string; intervalMs: number } | { kind: 'stop' };

/** One checkpoint's result: pages in the WAL, pages of it now copied into the database, time taken. */
export interface CheckpointDone {
  kind: 'done';
  walPages: number;
  copiedPages: number;
  ms: number;
}

type WorkerMessage = CheckpointDone | { kind: 'started' } | { kind: 'stopped' } | { kind: 'failed'; message: string };

/**
 * The thread's entry: beside this file when run from source. In the single-file build every module
 * shares the bundle's URL, at the root of director/, and the entry is bundled on its own at
 * store/checkpoint-worker (scripts/build.ts lists it).
 */
function workerEntry(): string {
  const beside = new URL('./checkpoint-worker.ts', import.meta.url);
  return existsSync(beside) ? beside.href : new URL('./store/checkpoint-worker.ts', import.meta.url).href;
}

/** SQLite's own default: past this many WAL pages a commit checkpoints on the committing thread. */
const SQLITE_AUTOCHECKPOINT_PAGES = 1000;

export interface CheckpointerOptions {
  /** How often the thread checkpoints (default 1 s). */
  intervalMs?: number;
  /** A WAL still this long after the thread's checkpoint is finished on the main thread (default 4,000 pages, 16 MB). */
  finishAbovePages?: number;
  /** The thread's entry (tests point it elsewhere to see the fallback). */
  workerUrl?: string;
}

/**
 * WAL checkpoints off the director's event loop.
 *
 * In WAL mode a commit appends pages to agents.db-wal; a checkpoint copies them back into agents.db and
 * fsyncs both files. SQLite runs it inside the commit that takes the WAL past 1,000 pages, on the thread
 * that commits: here the event loop, which then waits for the fsyncs (12-33 ms measured on the bench
 * machine, every few seconds under 1,000 writes/s) while every request in flight waits with it.
 *
 * So the director's connection never checkpoints on its own. A worker thread with its own connection
 * runs a PASSIVE checkpoint every second: PASSIVE takes no lock a writer or reader waits on, and its
 * fsyncs stall that thread only. The WAL starts over (instead of growing) at the first commit after a
 * checkpoint that copied all of it; under writes that never pause, the frames written while the
 * thread's checkpoint ran are always left. When the WAL is still longer than `finishAbovePages` after
 * the thread's checkpoint, the main thread copies those few frames itself, right then, so the WAL
 * starts over: a short fsync instead of SQLite's long one. The durability is SQLite's own either way
 * (synchronous = NORMAL on both connections).
 *
 * If the thread cannot start or fails, SQLite's own checkpoints are switched back on.
 */
export class WalCheckpointer {
  /** Checkpoints the thread made, and those finished on the main thread (for tests and the debug log). */
  readonly counts = { checkpoints: 0, finishedHere: 0 };
  private readonly worker: Worker | undefined;
  private stopped?: Promise<void>;
  private failed = false;
  private readonly finishAbovePages: number;

  private constructor(
    private readonly db: Database,
    path: string,
    private readonly log: Logger,
    options: CheckpointerOptions,
  ) {
    this.finishAbovePages = options.finishAbovePages ?? 4 * SQLITE_AUTOCHECKPOINT_PAGES;
    db.exec('PRAGMA wal_autocheckpoint = 0');
    try {
      this.worker = new Worker(options.workerUrl ?? workerEntry(), { smol: true, ref: false });
    } catch (error) {
      this.fallBack(error);
      return;
    }
    this.worker.addEventListener('message', (event: MessageEvent<WorkerMessage>) => this.heard(event.data));
    this.worker.addEventListener('error', (event) => this.fallBack(event.error ?? event.message));
    this.worker.postMessage({ kind: 'start', path, intervalMs: options.intervalMs ?? 1000 } satisfies CheckpointerCommand);
  }

  /** Takes over the checkpoints of `db` (the director's connection to the file at `path`). */
  static start(db: Database, path: string, log: Logger, options: CheckpointerOptions = {}): WalCheckpointer {
    return new WalCheckpointer(db, path, log, options);
  }

  private heard(message: WorkerMessage): void {
    if (message.kind === 'started') this.log.info('WAL checkpoint thread started', {});
    if (message.kind === 'failed') this.fallBack(message.message);
    if (message.kind !== 'done') return;
    this.counts.checkpoints++;
    if (message.walPages < this.finishAbovePages || this.stopped) return;
    const started = performance.now();
    let row: { log: number; checkpointed: number };
    try {
      row = this.db.query<{ log: number; checkpointed: number }, []>('PRAGMA wal_checkpoint(PASSIVE)').get()!;
    } catch (error) {
      // Left for the thread's next checkpoint; an exception here would reach no caller.
      this.log.warn('WAL checkpoint on the main thread failed; the next one tries again', { error });
      return;
    }
    this.counts.finishedHere++;
    // The thread copied the WAL as it was when its checkpoint began; what came after is copied here.
    this.log.debug('WAL checkpoint finished on the main thread', { walPages: row.log, copiedHere: row.log - message.walPages, ms: Math.round((performance.now() - started) * 10) / 10 });
  }

  private fallBack(error: unknown): void {
    if (this.failed || this.stopped) return;
    this.failed = true;
    this.db.exec(`PRAGMA wal_autocheckpoint = ${SQLITE_AUTOCHECKPOINT_PAGES}`);
    this.log.warn('the WAL checkpoint thread failed; SQLite checkpoints on the main thread again', { error });
    this.worker?.terminate();
  }

  /** Stops the thread (its connection closed) before the director closes its own; idempotent. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      const worker = this.worker;
      if (!worker || this.failed) return;
      const closed = new Promise<void>((resolve) => {
        worker.addEventListener('message', (event: MessageEvent<WorkerMessage>) => event.data.kind === 'stopped' && resolve());
        setTimeout(resolve, 2000).unref();
      });
      worker.postMessage({ kind: 'stop' } satisfies CheckpointerCommand);
      await closed;
      worker.terminate();
    })();
    return this.stopped;
  }
}
