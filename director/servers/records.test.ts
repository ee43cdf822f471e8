import { expect, test } from 'bun:test';
import { ATTRS_VERSION, readServerAttrs, readSessionAttrs, serverAttrs, sessionAttrs } from './records.ts';

test('ok: attrs written now (version 2) read back as written', () => {
  const session = { id: 's', owner: 'a', type: 'virtual' as const, numOfConnections: 2, status: 'READY', creationTime: '2026-01-01T00:00:00.000Z', lastDisconnectionTime: null };
  expect(readSessionAttrs(sessionAttrs(session), ATTRS_VERSION)).toEqual({ numOfConnections: 2, status: 'READY', creationTime: '2026-01-01T00:00:00.000Z', lastDisconnectionTime: null });
  expect(readServerAttrs(serverAttrs({ tags: ['gpu', 'linux'] }), ATTRS_VERSION)).toEqual({ tags: ['gpu', 'linux'] });
  expect(readServerAttrs(serverAttrs({ tags: [], maxVirtualSessions: 4 }), ATTRS_VERSION)).toEqual({ tags: [], maxVirtualSessions: 4 });
  expect(readServerAttrs(serverAttrs({ tags: [], consoleOnly: true, loadAverage: false }), ATTRS_VERSION)).toEqual({ tags: [], consoleOnly: true, loadAverage: false });
});

test('ok: GPUs and host facts travel in the server attrs beside the tags; none reported writes only the tags (the earlier form)', () => {
  const gpus = [{ name: 'NVIDIA A10G', memoryTotalBytes: 24e9, memoryUsedBytes: 1e9, utilizationPercent: 3 }];
  const host = { osFamily: 'linux', osName: 'Ubuntu', architecture: 'x86_64' };
  expect(readServerAttrs(serverAttrs({ tags: ['gpu=a10'], gpus, host }), ATTRS_VERSION)).toEqual({ tags: ['gpu=a10'], gpus, host });
  expect(serverAttrs({ tags: ['linux'], gpus: [] })).toBe('{"tags":["linux"]}');
});

test('rejects: a malformed GPU or host facts in stored attrs are left out, the rest kept', () => {
  const stored = JSON.stringify({ tags: ['gpu'], gpus: [{ name: 'ok', memoryTotalBytes: 1, memoryUsedBytes: 0 }, { name: 7 }], host: { osFamily: 3 } });
  expect(readServerAttrs(stored, 2)).toEqual({ tags: ['gpu'], gpus: [{ name: 'ok', memoryTotalBytes: 1, memoryUsedBytes: 0 }] });
});

test('ok: version 1 records (whole entries of the earlier release) read: what has columns now is ignored, the rest kept', () => {
  const oldSession = JSON.stringify({
    id: 'alice-1',
    owner: 'alice',
    type: 'virtual',
    numOfConnections: 1,
    status: 'READY',
    user: 'alice',
    creationTime: '2026-12-06T19:00:00.000Z',
    lastDisconnectionTime: null,
    serverId: 'ws1',
    refreshedAt: 5,
    pool: 'workstations',
    confirmed: true,
    createdByDirector: true,
  });
  expect(readSessionAttrs(oldSession, 1)).toEqual({ numOfConnections: 1, status: 'READY', user: 'alice', creationTime: '2026-12-06T19:00:00.000Z', lastDisconnectionTime: null });
  const oldServer = JSON.stringify({ id: 'ws1', guid: 'g', address: '127.0.0.1', agentPort: 8446, stats: { cores: 2 }, tags: ['gpu', 7], version: null, lastSeen: 1 });
  expect(readServerAttrs(oldServer, 1)).toEqual({ tags: ['gpu'] });
});

test('rejects: damaged or unknown-version attrs read as empty instead of hiding the row', () => {
  expect(readSessionAttrs('{not json', 2)).toEqual({ numOfConnections: 0 });
  expect(readSessionAttrs(JSON.stringify({ numOfConnections: -3, status: 7 }), 2)).toEqual({ numOfConnections: 0 });
  expect(readSessionAttrs(JSON.stringify({ numOfConnections: 1 }), 99)).toEqual({ numOfConnections: 0 });
  expect(readServerAttrs('[]', 2)).toEqual({ tags: [] });
  expect(readServerAttrs(JSON.stringify({ tags: ['gpu'], maxVirtualSessions: 0 }), 2)).toEqual({ tags: ['gpu'] });
  expect(readServerAttrs(JSON.stringify({ maxVirtualSessions: '3' }), 2)).toEqual({ tags: [] });
});
