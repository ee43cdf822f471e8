import { CHAIN_START, chainHash } from './chain.ts';
import type { AuditChainStore, ChainCheckpoint } from './chain-store.ts';

/** One chain as checked: how many events, from where (a checkpoint left by pruning, or its start). */
export interface CheckedChain {
  chain: string;
  events: number;
  checkpoint?: ChainCheckpoint;
  firstId?: number;
  lastId?: number;
}

/** An event whose stored hash does not follow from the chain before it. */
export interface ChainBreak {
  id: number;
  chain: string;
  reason: string;
}

export interface ChainVerdict {
  chains: CheckedChain[];
  /** Events outside any chain: stored before the chain existed, or written by a subcommand. */
  unchained: number;
  breaks: ChainBreak[];
}

/**
 * Walks every stored event in id order and recomputes each chain: an event's hash must follow from the
 * stored hash before it in its chain (or the chain's checkpoint, or the chain's start). An edited event
 * fails its own check; a deleted one fails the check of the event after it. The walk goes on after a
 * break (from the stored hash), so each break is reported once. Deleting a chain's newest events, or a
 * whole chain, leaves nothing to check here: the exports (syslog, the JSON-lines file) hold copies.
 */
export async function verifyChains(store: AuditChainStore, pageSize = 1000): Promise<ChainVerdict> {
  const checkpoints = new Map((await store.checkpoints()).map((checkpoint) => [checkpoint.chain, checkpoint]));
  const chains = new Map<string, CheckedChain & { head: string; previousId?: number }>();
  const verdict: ChainVerdict = { chains: [], unchained: 0, breaks: [] };
  for (let afterId = 0; ; ) {
    const rows = await store.rows(afterId, pageSize);
    if (!rows.length) break;
    afterId = rows.at(-1)!.id;
    for (const row of rows) {
      if (row.chain === null) {
        verdict.unchained++;
        continue;
      }
      let state = chains.get(row.chain);
      if (!state) {
        const checkpoint = checkpoints.get(row.chain);
        state = { chain: row.chain, events: 0, head: checkpoint?.hash ?? CHAIN_START, ...(checkpoint ? { checkpoint } : {}) };
        chains.set(row.chain, state);
      }
      if (row.hash !== chainHash(state.head, row.chain, row)) {
        const before =
          state.previousId !== undefined ? `event ${state.previousId}` : state.checkpoint ? `the checkpoint left by pruning (up to event ${state.checkpoint.lastId})` : 'the start of the chain';
        verdict.breaks.push({ id: row.id, chain: row.chain, reason: `does not follow from ${before}: an event between them was deleted, or this one was edited` });
      }
      state.events++;
      state.firstId ??= row.id;
      state.lastId = row.id;
      state.previousId = row.id;
      state.head = row.hash ?? '';
    }
  }
  verdict.chains = [...chains.values()].map(({ head: _head, previousId: _previous, ...checked }) => checked);
  return verdict;
}
