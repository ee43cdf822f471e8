import { isPng, SCREENSHOT_MAX_BYTES } from '../../shared/api/screenshot.ts';
import { ApiError } from '../../shared/errors.ts';
import { agentError } from './answers.ts';

/**
 * The PNG of a 200 answer; an error answer as agentError reads it, except a 404 that is not our
 * agent's SESSION_NOT_FOUND: that agent has no screenshot route (an older agent of ours answers 404
 * NOT_FOUND, the public Go dcvix agent a text 404), which is the host's shortcoming, not a missing session.
 * @throws ApiError 502 AGENT_ERROR | 502 AGENT_BAD_RESPONSE | what agentError gives
 */
export function readScreenshotAnswer(serverId: string, answer: { status: number; text: string; contentType: string; bytes?: Uint8Array<ArrayBuffer> }): Uint8Array<ArrayBuffer> {
  if (answer.status === 200) {
    const png = answer.bytes ?? new Uint8Array();
    if (!answer.contentType.startsWith('image/png') || !isPng(png) || png.length > SCREENSHOT_MAX_BYTES) {
      throw new ApiError(502, 'AGENT_BAD_RESPONSE', `agent on ${serverId} answered a screenshot that is not a PNG of at most ${SCREENSHOT_MAX_BYTES} bytes`);
    }
    return png;
  }
  if (answer.status === 404 && envelopeCode(answer.text) !== 'SESSION_NOT_FOUND') {
    throw new ApiError(502, 'AGENT_ERROR', `agent on ${serverId} does not take screenshots (it answered 404; upgrade it)`);
  }
  throw agentError(serverId, answer.status, answer.text);
}

/** The code of our error envelope in `text`, if it is one. */
function envelopeCode(text: string): unknown {
  try {
    return (JSON.parse(text) as { error?: { code?: unknown } } | null)?.error?.code;
  } catch {
    return undefined;
  }
}
