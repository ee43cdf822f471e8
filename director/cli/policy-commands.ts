import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { systemClock } from '../../shared/clock.ts';
import { ApiError } from '../../shared/errors.ts';
import { recordedEvent } from '../audit/log.ts';
import type { AuditEvent } from '../audit/types.ts';
import { announce } from '../cluster/change-feed.ts';
import type { DirectorStores } from '../open-stores.ts';
import { POLICY_FILES } from '../policy/holder.ts';
import { saveVersion, type PolicyDocuments } from '../policy/save-version.ts';
import type { PolicyVersion } from '../policy/version-store.ts';
import { POLICY_TOPIC } from '../policy/versions.ts';
import { UsageError, type Subcommand } from '../../shared/subcommand.ts';
import { commandActor, withCommandStores } from './command-stores.ts';

const describe = (version: PolicyVersion) => `version ${version.version} (${version.source}, saved by ${version.createdBy} at ${new Date(version.createdAt).toISOString()})`;
const pretty = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** `policy export [--out DIR]`: the newest stored version as the files' JSON. */
export const policyExport: Subcommand = {
  words: ['policy', 'export'],
  usage: '[--out DIR]',
  summary: 'Prints the stored policy in force as {"users": <users.json>, "pools": <pools.json>}, or writes DIR/users.json and DIR/pools.json.',
  async run(context) {
    let out: string | undefined;
    for (let index = 0; index < context.args.length; index++) {
      const arg = context.args[index]!;
      if (arg === '--out' && context.args[index + 1]) out = context.args[++index];
      else throw new UsageError(`unexpected argument: ${arg}`);
    }
    const newest = await withCommandStores(context, (stores) => stores.policyVersions.latest());
    if (!newest) throw new Error('the store holds no policy yet: the director stores its policy files there at its first start');
    if (out === undefined) process.stdout.write(pretty({ users: newest.users, pools: newest.pools }));
    else {
      for (const [key, file] of Object.entries(POLICY_FILES) as [keyof PolicyDocuments, string][]) writeFileSync(join(out, file), pretty(newest[key]));
    }
    console.error(`dcvix-director: exported policy ${describe(newest)}${out === undefined ? '' : ` to ${join(out, POLICY_FILES.users)} and ${join(out, POLICY_FILES.pools)}`}`);
    return 0;
  },
};

/** `policy import FILE...`: checks the files and stores them as the new version. */
export const policyImport: Subcommand = {
  words: ['policy', 'import'],
  usage: 'FILE...',
  summary:
    'Checks users.json and/or pools.json (by file name; any other name: a file as export prints it) and stores them as a new version of the policy (audited policy.import). A document not given keeps its stored version. Running directors put it in force within seconds.',
  async run(context) {
    if (context.args.length === 0) throw new UsageError('name at least one file');
    const given = readDocuments(context.args);
    const from = context.args.join(', ');
    return withCommandStores(context, async (stores) => {
      const newest = await stores.policyVersions.latest();
      const documents = { users: given.users ?? newest?.users ?? {}, pools: given.pools ?? newest?.pools ?? {} };
      const actor = commandActor();
      let saved: Awaited<ReturnType<typeof saveVersion>>;
      try {
        saved = await saveVersion(stores.policyVersions, documents, { by: actor, source: 'import', now: systemClock.now() });
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        await audit(stores, { type: 'policy.import', actor, outcome: 'failure', detail: `${err.message} (from ${from})` });
        throw new Error(`${err.message} (from ${from}); nothing was stored`);
      }
      if (!saved.changed) {
        console.log(`policy unchanged: ${describe(saved.version)} already holds these documents`);
        return 0;
      }
      await audit(stores, { type: 'policy.import', actor, target: `version ${saved.version.version}`, outcome: 'success', detail: saved.diff });
      if (stores.sql) await announce(stores.sql, POLICY_TOPIC, String(saved.version.version));
      console.log(`policy stored as ${describe(saved.version)}; running directors put it in force within seconds`);
      return 0;
    });
  },
};

/** The documents the files hold, by file name (users.json, pools.json), else as export prints them. */
function readDocuments(files: string[]): Partial<PolicyDocuments> {
  const documents: Partial<PolicyDocuments> = {};
  const put = (key: keyof PolicyDocuments, value: unknown, file: string) => {
    if (key in documents) throw new UsageError(`${file}: ${POLICY_FILES[key]} is given twice`);
    documents[key] = value;
  };
  for (const file of files) {
    let value: unknown;
    try {
      value = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new Error(`${file}: ${err instanceof SyntaxError ? `not valid JSON: ${err.message}` : (err as Error).message}; nothing was stored`);
    }
    const name = basename(file);
    if (name === POLICY_FILES.users) put('users', value, file);
    else if (name === POLICY_FILES.pools) put('pools', value, file);
    else {
      const keys = value && typeof value === 'object' && !Array.isArray(value) ? Object.keys(value) : [];
      if (keys.length === 0 || keys.some((key) => key !== 'users' && key !== 'pools')) {
        throw new UsageError(`${file}: neither users.json nor pools.json by name, nor an export ({"users": ..., "pools": ...})`);
      }
      for (const key of keys as (keyof PolicyDocuments)[]) put(key, (value as PolicyDocuments)[key], file);
    }
  }
  return documents;
}

/** Writes one audit event and waits for it (the process ends right after). */
async function audit(stores: DirectorStores, event: AuditEvent): Promise<void> {
  await stores.audit.append([recordedEvent(event, systemClock)]);
}
