import { describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { parseAgentUpdate } from '../../director/servers/update-body.ts';
import { AgentUpdateBody, UPDATE_MAX_SESSIONS, UPDATE_MAX_TAGS } from './agent-update.ts';
import { largestSession, largestUpdate, MAX_UPDATE_BODY_BYTES } from './update-limits.ts';
import { readReportedSession } from './wire-session.ts';

/** The body as it travels: JSON text, read back the way the director reads it. */
const overTheWire = (value: unknown) => JSON.parse(JSON.stringify(value)) as Record<string, unknown>;

describe('largest agent update', () => {
  test('ok: the largest update is MAX_UPDATE_BODY_BYTES long and the model and the reader keep all of it', () => {
    const body = JSON.stringify(largestUpdate());
    expect(Buffer.byteLength(body)).toBe(MAX_UPDATE_BODY_BYTES);
    const parsed = JSON.parse(body);
    expect(Value.Check(AgentUpdateBody, parsed)).toBe(true);
    const { update, skipped } = parseAgentUpdate(parsed);
    expect(skipped).toEqual([]);
    expect(update.sessions).toHaveLength(UPDATE_MAX_SESSIONS);
    expect(update.tags).toHaveLength(UPDATE_MAX_TAGS);
    expect(update.version).toBe(parsed.version);
    expect(update.dcvError).toBe(parsed.dcvError);
  });

  test('rejects: one session or one tag more is refused whole, so the counts are the real ones', () => {
    const tooMany = overTheWire({ ...largestUpdate(1), sessions: Array.from({ length: UPDATE_MAX_SESSIONS + 1 }, () => largestSession()) });
    expect(() => parseAgentUpdate(tooMany)).toThrow(expect.objectContaining({ code: 'INVALID_UPDATE' }));
    const update = largestUpdate(1);
    const moreTags = overTheWire({ ...update, tags: [...update.tags, 'gpu'] });
    expect(() => parseAgentUpdate(moreTags)).toThrow(expect.objectContaining({ code: 'INVALID_UPDATE' }));
  });

  test('rejects: each session field one character longer is skipped, so every field is at its longest', () => {
    const longest = overTheWire(largestSession());
    expect(readReportedSession(longest).ok).toBe(true);
    const longer: Record<string, string> = {
      id: `${longest.id}0`,
      owner: `${longest.owner}d`,
      user: `${longest.user}u`,
      name: `${longest.name}n`,
      status: `${longest.status}s`,
    };
    for (const [field, value] of Object.entries(longer)) expect({ field, ok: readReportedSession({ ...longest, [field]: value }).ok }).toEqual({ field, ok: false });
    const { tags, stats } = largestUpdate(0);
    const envelope = { sessions: [], stats: { ...stats, hostname: `${stats.hostname}h` } };
    expect(() => parseAgentUpdate(envelope)).toThrow(expect.objectContaining({ code: 'INVALID_UPDATE' }));
    expect(parseAgentUpdate({ sessions: [], stats, tags: [`${tags[0]}t`] }).skipped).toHaveLength(1);
  });

  test('ok: docs/configuration.md states the limit', () => {
    const docs = readFileSync(join(import.meta.dir, '../../docs/configuration.md'), 'utf8');
    expect({ stated: docs.includes(`${MAX_UPDATE_BODY_BYTES.toLocaleString('en-US')} bytes`) }).toEqual({ stated: true });
  });
});
