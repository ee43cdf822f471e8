import { expect, test } from 'bun:test';
import { formatJoinToken, parseJoinToken } from './join-token.ts';

test('ok: the text form reads back as its id and 32-byte secret', () => {
  const secret = crypto.getRandomValues(new Uint8Array(32));
  const text = formatJoinToken('0123456789abcdef', secret);
  expect(text).toMatch(/^dcvix-join_0123456789abcdef_[A-Za-z0-9_-]{43}$/);
  expect(parseJoinToken(text)).toEqual({ id: '0123456789abcdef', secret });
});

test('rejects: other prefixes, ids and secret lengths, and surrounding text', () => {
  const good = formatJoinToken('0123456789abcdef', new Uint8Array(32).fill(7));
  for (const bad of ['', good.replace('dcvix-join_', 'dcvix-joint_'), good.replace('0123456789abcdef', '0123456789ABCDEF'), good.slice(0, -1), `${good}A`, ` ${good}`, good.replace('_', '-')]) {
    expect(parseJoinToken(bad)).toBeUndefined();
  }
});
