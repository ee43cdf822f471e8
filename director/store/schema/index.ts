import { base } from './001-base.ts';
import { cluster } from './002-cluster.ts';
import { runtimeState } from './003-runtime-state.ts';
import { revocations } from './004-revocations.ts';
import { auditEventIds } from './005-audit-event-ids.ts';
import { fleetRows } from './006-fleet-rows.ts';
import { agentsHostnameIndex } from './007-agents-hostname-index.ts';
import { serverDrain } from './008-server-drain.ts';
import { joinTokens } from './009-join-tokens.ts';
import { sessionThumbnails } from './010-session-thumbnails.ts';
import { policyVersions } from './011-policy-versions.ts';
import { sessionShares } from './012-session-shares.ts';
import { passkeys } from './013-passkeys.ts';
import { apiClients } from './014-api-clients.ts';
import { auditChain } from './015-audit-chain.ts';
import { sessionRequests } from './016-session-requests.ts';
import { serversLastSeenUnindexed } from './017-servers-last-seen-unindexed.ts';
import type { SchemaStep } from './step.ts';

/** The store's schema: one ordered list for both dialects (see step.ts). */
export const SCHEMA: readonly SchemaStep[] = [
  base,
  cluster,
  runtimeState,
  revocations,
  auditEventIds,
  fleetRows,
  agentsHostnameIndex,
  serverDrain,
  joinTokens,
  sessionThumbnails,
  policyVersions,
  sessionShares,
  passkeys,
  apiClients,
  auditChain,
  sessionRequests,
  serversLastSeenUnindexed,
];
