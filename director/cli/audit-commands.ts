import { UsageError, type Subcommand } from '../../shared/subcommand.ts';
import { verifyChains, type CheckedChain } from '../audit/verify-chain.ts';
import { withCommandStores } from './command-stores.ts';

const from = (chain: CheckedChain) =>
  chain.checkpoint ? `from the checkpoint pruning left at event ${chain.checkpoint.lastId} (${new Date(chain.checkpoint.prunedAt).toISOString()})` : 'from its start';

/** `audit verify`: recomputes every hash chain in the store; exit 1 when an event was deleted or edited. */
export const auditVerify: Subcommand = {
  words: ['audit', 'verify'],
  usage: '',
  summary:
    "Recomputes each director's audit hash chain in the store, from its start or from the checkpoint retention pruning left, and names every event that does not follow from the one before it (deleted or edited). Exit 0 when all chains hold, 1 when not.",
  async run(context) {
    if (context.args.length) throw new UsageError(`unexpected argument: ${context.args[0]}`);
    const verdict = await withCommandStores(context, (stores) => verifyChains(stores.auditChain));
    for (const chain of verdict.chains) console.log(`chain ${chain.chain}: ${chain.events} events (ids ${chain.firstId}..${chain.lastId}), checked ${from(chain)}`);
    if (verdict.unchained) console.log(`${verdict.unchained} events outside any chain (stored before the chain existed, or written by a dcvix-director subcommand)`);
    for (const found of verdict.breaks) console.log(`BROKEN: chain ${found.chain}, event ${found.id} ${found.reason}`);
    console.log(verdict.breaks.length ? `audit chain check FAILED: ${verdict.breaks.length} break(s)` : 'audit chains intact');
    return verdict.breaks.length ? 1 : 0;
  },
};
