import { describe, expect, test } from 'bun:test';
import type { ApiError } from '../../shared/errors.ts';
import { simulatedPng } from '../../tests/fixtures/sim-png.ts';
import { readScreenshotAnswer } from './screenshot-answer.ts';

const png = simulatedPng(16, 10);
const answer = (status: number, text: string, contentType = 'application/json', bytes?: Uint8Array<ArrayBuffer>) => ({ status, text, contentType, bytes });
const refusal = (read: () => unknown): { status: number; code: string } => {
  try {
    read();
  } catch (err) {
    return { status: (err as ApiError).status, code: (err as ApiError).code };
  }
  throw new Error('expected a refusal');
};

describe("the director's reading of an agent's screenshot answer", () => {
  test('ok: a 200 image/png with a PNG in it', () => {
    expect([...readScreenshotAnswer('ws1', answer(200, '', 'image/png', png))]).toEqual([...png]);
  });

  test('rejects: a 200 that is not a PNG, or labelled otherwise, is AGENT_BAD_RESPONSE', () => {
    expect(refusal(() => readScreenshotAnswer('ws1', answer(200, '', 'image/jpeg', png)))).toEqual({ status: 502, code: 'AGENT_BAD_RESPONSE' });
    expect(refusal(() => readScreenshotAnswer('ws1', answer(200, '', 'image/png', new Uint8Array([1, 2, 3]))))).toEqual({ status: 502, code: 'AGENT_BAD_RESPONSE' });
  });

  test("ok: our agent's SESSION_NOT_FOUND stays 404; an agent without the route (404 of any other kind) is the host's AGENT_ERROR", () => {
    const gone = '{"error":{"code":"SESSION_NOT_FOUND","message":"no such session on this host"}}';
    expect(refusal(() => readScreenshotAnswer('ws1', answer(404, gone)))).toEqual({ status: 404, code: 'SESSION_NOT_FOUND' });
    expect(refusal(() => readScreenshotAnswer('ws1', answer(404, '{"error":{"code":"NOT_FOUND","message":"no such route"}}')))).toEqual({ status: 502, code: 'AGENT_ERROR' });
    expect(refusal(() => readScreenshotAnswer('ws1', answer(404, '404 page not found\n', 'text/plain')))).toEqual({ status: 502, code: 'AGENT_ERROR' });
  });

  test("ok: dcv's failures pass through as for the other agent calls", () => {
    const failed = '{"error":{"code":"DCV_FAILED","message":"dcv get-screenshot failed (exit 1): no display"}}';
    expect(refusal(() => readScreenshotAnswer('ws1', answer(502, failed)))).toEqual({ status: 502, code: 'DCV_FAILED' });
    expect(refusal(() => readScreenshotAnswer('ws1', answer(504, '{"error":{"code":"DCV_TIMEOUT","message":"late"}}')))).toEqual({ status: 502, code: 'DCV_TIMEOUT' });
  });
});
