import { t } from 'elysia';
import { mediaType } from '../http/models.ts';

export { ScreenshotQuery } from '../../shared/api/screenshot.ts';

export const ScreenshotParams = t.Object({ id: t.String({ description: 'Session id' }) });

/** 200 of both screenshot routes: the PNG itself. */
export const PngAnswer = mediaType('image/png', t.String({ contentMediaType: 'image/png', description: 'The session screenshot as PNG bytes' }));

/** What the OpenAPI document says about the cache and the size (both routes). */
export const SCREENSHOT_RULES = [
  'A PNG of the session desktop, at most maxWidth x maxHeight pixels (default 160 x 100; each 16 to 1920, else 400 INVALID_SCREENSHOT_SIZE), taken by its agent (`dcv get-screenshot`).',
  "One screenshot per session answers every request, on every director sharing the store, until it is older than screenshot_cache_time (30 s): within that time the agent is not asked again, and the image is the one taken at the first request's size.",
  'Answered with `Cache-Control: private, max-age=<that time in seconds>`. A session whose host is offline: 503 SERVER_OFFLINE; dcv failures as for the other session calls (502).',
].join(' ');
