/**
 * Group commit: items submitted in the same event-loop turn, or while a batch is being written, go
 * together in the next one, so a thousand callers cost a handful of transactions while a lone caller is
 * written at the end of its turn. One
 * batch at a time, in submission order; `write` answers one result per item, in order. A failed batch
 * rejects each of its callers with the error.
 */
export class GroupCommit<In, Out> {
  private queue: { item: In; resolve: (out: Out) => void; reject: (err: unknown) => void }[] = [];
  private running = false;

  constructor(
    private readonly write: (items: In[]) => Promise<Out[]>,
    private readonly maxBatch = 500,
  ) {}

  submit(item: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.running) {
        this.running = true;
        // After the I/O already read this turn (setImmediate, not a microtask): requests parsed together
        // go together, even where a batch's write is synchronous (bun:sqlite) and no await would gather them.
        setImmediate(() => void this.drain());
      }
    });
  }

  /** Items waiting for the next batch. */
  get waiting(): number {
    return this.queue.length;
  }

  private async drain(): Promise<void> {
    while (this.queue.length) {
      const batch = this.queue.splice(0, this.maxBatch);
      try {
        const outs = await this.write(batch.map((entry) => entry.item));
        for (const [index, entry] of batch.entries()) entry.resolve(outs[index]!);
      } catch (err) {
        for (const entry of batch) entry.reject(err);
      }
    }
    this.running = false;
  }
}
