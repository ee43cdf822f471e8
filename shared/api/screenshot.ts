/**
 * Session screenshots (thumbnails) on both hops, director -> agent and browser -> director: the size a
 * caller may ask for, the one query model both routes read it from, and what a screenshot may be.
 */
import { Type } from '@sinclair/typebox';
import { badRequest } from '../errors.ts';
import { coded } from './coded.ts';

/** DCV Session Manager's screenshot default, and ours when a request names no size. */
export const SCREENSHOT_DEFAULT_SIZE = { width: 160, height: 100 } as const;
/** Smallest and largest bound a request may give for either side, in pixels. */
export const SCREENSHOT_MIN_SIDE = 16;
export const SCREENSHOT_MAX_SIDE = 1920;
/**
 * The largest PNG kept or passed on. Its base64 form (4/3 of it) stays well inside what the agent reads
 * of one dcv command's output (4 MiB), so a screenshot is never cut short unnoticed.
 */
export const SCREENSHOT_MAX_BYTES = 2 * 1024 * 1024;

/** The largest width and height of a screenshot; DCV keeps the aspect ratio within them. */
export interface ScreenshotSize {
  width: number;
  height: number;
}

const side = (name: string) =>
  Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$', description: `Largest ${name} in pixels, ${SCREENSHOT_MIN_SIDE} to ${SCREENSHOT_MAX_SIDE} (400 INVALID_SCREENSHOT_SIZE otherwise)` }));

/** `?maxWidth=&maxHeight=` of both screenshot routes (strings on the wire, read by screenshotSize). */
export const ScreenshotQuery = coded(
  'INVALID_SCREENSHOT_SIZE',
  Type.Object({ maxWidth: side(`width (default ${SCREENSHOT_DEFAULT_SIZE.width})`), maxHeight: side(`height (default ${SCREENSHOT_DEFAULT_SIZE.height})`) }, { additionalProperties: true }),
);

/**
 * The size a screenshot query asks for, each side defaulting to 160x100's.
 * @throws ApiError 400 INVALID_SCREENSHOT_SIZE when a side is not a whole number within 16..1920
 */
export function screenshotSize(query: { maxWidth?: string; maxHeight?: string }): ScreenshotSize {
  const read = (text: string | undefined, fallback: number, name: string): number => {
    if (text === undefined) return fallback;
    const value = /^[0-9]{1,4}$/.test(text) ? Number(text) : Number.NaN;
    if (!(value >= SCREENSHOT_MIN_SIDE && value <= SCREENSHOT_MAX_SIDE)) {
      throw badRequest('INVALID_SCREENSHOT_SIZE', `${name} must be a whole number from ${SCREENSHOT_MIN_SIDE} to ${SCREENSHOT_MAX_SIDE}`);
    }
    return value;
  };
  return { width: read(query.maxWidth, SCREENSHOT_DEFAULT_SIZE.width, 'maxWidth'), height: read(query.maxHeight, SCREENSHOT_DEFAULT_SIZE.height, 'maxHeight') };
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Whether `bytes` start like a PNG file (its 8-byte signature). */
export const isPng = (bytes: Uint8Array): boolean => bytes.length > PNG_SIGNATURE.length && PNG_SIGNATURE.every((byte, index) => bytes[index] === byte);
