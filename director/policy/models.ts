import { t } from 'elysia';
import { coded, Int, Nullable, OneOf, Time } from '../http/models.ts';

/** A stored version of the policy, without its documents. */
const PolicyVersionView = t.Object({
  version: Int({ description: 'Versions count up from 1; the newest is in force on every director' }),
  source: OneOf(['files', 'edit', 'import'], { description: 'files: the policy files seeding an empty store; edit: an admin in the web app or the API; import: dcvix-director policy import' }),
  createdAt: Time(),
  createdBy: t.String({ description: 'The admin, "start-up", or cli:<user> for an import' }),
});

/** GET /v1/admin/policy: the policy in force, the version it is, the last reload's outcome and the history. */
export const PolicyAnswer = t.Object({
  status: t.Object({
    loadedAt: Nullable(Time()),
    lastAttemptAt: Nullable(Time()),
    lastError: Nullable(t.String({ description: 'Why the last reload failed (the policy in force stayed)' })),
    files: t.Array(t.String({ description: 'The policy files: they seed an empty store and are what policy import reads' })),
    version: Nullable(PolicyVersionView),
  }),
  documents: t.Object({ users: t.Unknown({ description: 'users.json as in force' }), pools: t.Unknown({ description: 'pools.json as in force' }) }),
  history: t.Array(PolicyVersionView, { description: 'The newest versions, newest first (at most 20)' }),
});

/** PUT /v1/admin/policy: both documents as edited, and the version the edit started from. */
export const PolicySaveBody = t.Object({
  version: coded('INVALID_BODY', Int({ minimum: 0, description: 'The version the edit started from; another save since then answers 409 POLICY_VERSION_CONFLICT' })),
  users: t.Unknown({ description: 'users.json: an object' }),
  pools: t.Unknown({ description: 'pools.json: an object' }),
});

export const PolicySaved = t.Object({
  changed: t.Boolean({ description: 'false: the documents equal the newest version; nothing was stored' }),
  version: PolicyVersionView,
});

/** GET /v1/admin/policy/explain (strings on the wire; bad values answer 400 INVALID_QUERY). */
export const ExplainQuery = coded(
  'INVALID_QUERY',
  t.Object({
    user: t.String({ minLength: 1, maxLength: 128, description: 'The user name' }),
    server: t.Optional(t.String({ minLength: 1, maxLength: 253, description: 'A server (host name); give server or pool' })),
    pool: t.Optional(t.String({ minLength: 1, maxLength: 128, description: 'A pool' })),
    groups: t.Optional(
      t.Union([t.String(), t.Array(t.String())], {
        description:
          'A group the login backend reports for the user; repeat for each group (groups=Domain%20Users&groups=eng), never comma-separated (group names may hold commas). None: the policy member lists decide',
      }),
    ),
  }),
);

export const ExplainAnswer = t.Object({
  user: t.String(),
  server: t.Optional(t.String()),
  pool: t.Optional(t.String()),
  groups: t.Array(t.String(), { description: 'The groups weighed' }),
  groupsFrom: OneOf(['query', 'policy'], { description: "query: the groups given; policy: users.json's member lists" }),
  allowed: t.Boolean({ description: 'Whether any entry grants it' }),
  admin: t.Object({ is: t.Boolean(), by: t.Array(t.String(), { description: 'admins, or adminGroups: <group>' }) }),
  grants: t.Array(
    t.Object({
      entry: OneOf(['user', 'group']),
      name: t.String({ description: "The user's or group's entry in users.json" }),
      via: OneOf(['servers', 'pools'], { description: "servers: the entry's servers list; pools: a pool the entry grants" }),
      pattern: t.String({ description: 'The servers-list entry that matched (host name or "*"), or the pool' }),
      poolPattern: t.Optional(t.String({ description: "via pools to a server: the pool's servers-list entry that holds it" })),
    }),
  ),
  notes: t.Array(t.String(), { description: 'What grants nothing but is worth knowing (an undefined pool, a group without an entry)' }),
  version: Int({ description: 'The policy version explained' }),
});
