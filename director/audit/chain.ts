import { createHash } from 'node:crypto';
import type { RecordedAuditEvent } from './types.ts';

/** The hash a chain starts from (before its first event, when nothing was pruned). */
export const CHAIN_START = '0'.repeat(64);

/** The fields an event's hash covers, as stored (the same in the store, the spool and the exports). */
export interface ChainedFields {
  eventId: string;
  at: number;
  type: string;
  outcome: string;
  actor?: string | null;
  target?: string | null;
  clientAddress?: string | null;
  backend?: string | null;
  detail?: string | null;
}

/**
 * SHA-256 (hex) over the previous hash, the chain's name and every field of the event: changing any
 * field, or removing an event, makes the stored hashes after it stop following from the ones before.
 */
export function chainHash(previous: string, chain: string, event: ChainedFields): string {
  const fields = [
    previous,
    chain,
    event.eventId,
    event.at,
    event.type,
    event.outcome,
    event.actor ?? null,
    event.target ?? null,
    event.clientAddress ?? null,
    event.backend ?? null,
    event.detail ?? null,
  ];
  return createHash('sha256').update(JSON.stringify(fields)).digest('hex');
}

/**
 * One director's chain: each event recorded gets the chain's name and a hash covering the previous
 * one. Events are linked in the order they are recorded, which is the order the one writer stores them.
 */
export class AuditChain {
  constructor(
    readonly name: string,
    private head: string,
  ) {}

  /** The event with its chain and hash; the chain moves on to it. */
  link(event: RecordedAuditEvent): RecordedAuditEvent {
    this.head = chainHash(this.head, this.name, event);
    return { ...event, chain: this.name, hash: this.head };
  }
}
