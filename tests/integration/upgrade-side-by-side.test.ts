import { afterAll, beforeAll, expect, test } from 'bun:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXTRA_STEPS_ENV } from '../../director/store/schema/extra-steps.ts';
import { SCHEMA } from '../../director/store/schema/index.ts';
import { startDirector, TEST_USERS, type DirectorHandle } from '../helpers/dcvix.ts';
import { login } from '../helpers/https.ts';
import { startPostgres, type Postgres } from '../helpers/postgres.ts';
import { describeWith } from '../helpers/system-packages.ts';
import { cleanupTempDirs, tempDir } from '../helpers/temp.ts';

/**
 * Directors of adjacent schema versions on one PostgreSQL. There are no releases yet, so "the next
 * version" is this same build started with one schema step more, appended through the test-only
 * variable DCVIX_TEST_EXTRA_SCHEMA_STEPS: a real step run by the real migration code against the real
 * store, exactly as a release's new step would be; only how the step got into the list differs.
 * An additive step (oldestReader = the version before it) is applied while the older director runs,
 * and the older one keeps serving and may restart. A step older directors cannot run beside is not
 * applied while one runs (the newer director refuses to start, naming it); once they are stopped it
 * is, and an older director then refuses the store, naming the version it needs.
 */
const KNOWN = SCHEMA.at(-1)!.version;
/** The oldest reader the newest step recorded (its own version unless it is additive). */
const KNOWN_READER = SCHEMA.at(-1)!.oldestReader ?? KNOWN;
let pg: Postgres;
let env: Record<string, string>;
const running: DirectorHandle[] = [];
let work: string;

const config = (pgUrl: string) => ({ store_url: pgUrl, token_key: '5e'.repeat(32) });

/** Writes the extra steps to a file and gives the environment that appends them. */
function withSteps(name: string, steps: object[]): Record<string, string> {
  const file = join(work, `${name}.json`);
  writeFileSync(file, JSON.stringify(steps));
  return { ...env, [EXTRA_STEPS_ENV]: file };
}

async function start(extraEnv: Record<string, string> = env): Promise<DirectorHandle> {
  const director = await startDirector({ config: config(pg.urlWithoutPassword), env: extraEnv });
  running.push(director);
  return director;
}

const storeVersions = async (): Promise<number[][]> => {
  const sql = new Bun.SQL(pg.url);
  try {
    return (await sql`SELECT version, oldest_reader FROM schema_versions WHERE version > ${KNOWN - 1} ORDER BY version`).map((row: { version: number; oldest_reader: number }) => [
      row.version,
      row.oldest_reader,
    ]);
  } finally {
    await sql.close();
  }
};

const additive = {
  version: KNOWN + 1,
  name: 'test: an additive column',
  sqlite: 'ALTER TABLE agents ADD COLUMN test_note TEXT',
  postgres: 'ALTER TABLE agents ADD COLUMN test_note TEXT',
  oldestReader: KNOWN,
};
const breaking = {
  version: KNOWN + 2,
  name: 'test: a breaking change',
  sqlite: 'ALTER TABLE agents RENAME COLUMN test_note TO test_remark',
  postgres: 'ALTER TABLE agents RENAME COLUMN test_note TO test_remark',
};

beforeAll(async () => {
  pg = await startPostgres();
  env = { DCVIX_STORE_PASSWORD: pg.password, DCVIX_STORE_CA_KEY: '6f'.repeat(32) };
  work = tempDir('dcvix-side-by-side-');
}, 60_000);

afterAll(async () => {
  for (const director of running) await director.stop();
  await pg?.stop();
  cleanupTempDirs();
});

describeWith(['postgresql'], 'directors of adjacent schema versions on one PostgreSQL', () => {
  test(`ok: a director knowing ${KNOWN + 1} (an additive step) migrates while one knowing ${KNOWN} runs; both serve; the older one restarts on the newer store`, async () => {
    const older = await start();
    const newer = await start(withSteps('additive', [additive]));
    expect(newer.proc.lines.some((line) => line.includes('"store migration applied"') && line.includes(`"version":${KNOWN + 1}`))).toBe(true);
    expect(await storeVersions()).toEqual([
      [KNOWN, KNOWN_READER],
      [KNOWN + 1, KNOWN],
    ]);
    for (const director of [older, newer]) expect(await login(director.url, director.caPem, 'alice', TEST_USERS.alice!)).toContain('=');
    await older.stop();
    const again = await startDirector({ dir: older.dir, config: { ...config(pg.urlWithoutPassword), director_port: older.port }, env });
    running.push(again);
    expect(again.proc.lines.some((line) => line.includes('the store is newer than this director; its newer steps allow running beside them') && line.includes(`"storeVersion":${KNOWN + 1}`))).toBe(
      true,
    );
    expect(await login(again.url, again.caPem, 'bob', TEST_USERS.bob!)).toContain('=');
    const verified = await again.command('audit', 'verify');
    expect([verified.code, verified.stdout.match(/^chain /gm)?.length]).toEqual([0, 2]);
  }, 60_000);

  test(`rejects: a step older directors cannot run beside is not applied while they run; once they stop it is, and an older director then names the version it needs`, async () => {
    const newest = withSteps('breaking', [additive, breaking]);
    const refused = await start(newest).catch((err: Error) => err);
    expect(refused).toBeInstanceOf(Error);
    expect((refused as Error).message).toMatch(
      new RegExp(
        `director \\S+ \\(knows schema up to (${KNOWN}|${KNOWN + 1})\\) is running on this store, and schema version ${KNOWN + 2} \\(test: a breaking change\\) needs every director to know version ${KNOWN + 2} or later: stop the older directors first`,
      ),
    );
    expect((await storeVersions()).map(([version]) => version)).toEqual([KNOWN, KNOWN + 1]);
    for (const director of running.splice(0)) await director.stop();
    await start(newest);
    expect((await storeVersions()).at(-1)).toEqual([KNOWN + 2, KNOWN + 2]);
    const old = await start().catch((err: Error) => err);
    expect((old as Error).message).toContain(`the store's schema is at version ${KNOWN + 2} and needs a director that knows schema version ${KNOWN + 2} or later; this one knows up to ${KNOWN}`);
  }, 60_000);
});
