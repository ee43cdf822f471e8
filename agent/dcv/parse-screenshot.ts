/**
 * Tolerant reader of `dcv get-screenshot --json`. AWS documents only that the image comes base64-encoded
 * in JSON, not under which key, so the image is taken from the first place that holds one: a top-level
 * `data`, `image` or `screenshot` string, or the same keys inside a `screenshot` object or the first
 * entry of an `images` list (the shape of Session Manager's GetSessionScreenshots). Key case is ignored
 * (`Data` as well as `data`); a `data:image/png;base64,` prefix and line breaks in the base64 are
 * accepted.
 */

type Raw = Record<string, unknown>;

const IMAGE_KEYS = ['data', 'image', 'screenshot'];

const isRaw = (value: unknown): value is Raw => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The value under `key` whatever its case. */
function pick(raw: Raw, key: string): unknown {
  const found = Object.keys(raw).find((k) => k.toLowerCase() === key);
  return found === undefined ? undefined : raw[found];
}

/** The base64 text of the image in one JSON object, looking one level down as the file comment says. */
function base64In(raw: Raw, depth = 0): string | undefined {
  for (const key of IMAGE_KEYS) {
    const value = pick(raw, key);
    if (typeof value === 'string' && value.trim() !== '') return value;
  }
  if (depth > 0) return undefined;
  const screenshot = pick(raw, 'screenshot');
  const images = pick(raw, 'images');
  const nested = isRaw(screenshot) ? screenshot : Array.isArray(images) && isRaw(images[0]) ? images[0] : undefined;
  return nested ? base64In(nested, depth + 1) : undefined;
}

const BASE64_RE = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * The image bytes `dcv get-screenshot --json` printed.
 * @throws Error when the text is not JSON, holds no image string, or that string is not base64
 */
export function parseScreenshotJson(text: string): Uint8Array<ArrayBuffer> {
  const json: unknown = JSON.parse(text.trim());
  const found = isRaw(json) ? base64In(json) : undefined;
  if (found === undefined) throw new Error('no base64 image under data, image or screenshot');
  const base64 = found.replace(/^data:[^,]*;base64,/, '').replace(/\s+/g, '');
  if (!BASE64_RE.test(base64) || base64.length % 4 === 1) throw new Error('the image is not base64');
  return new Uint8Array(Buffer.from(base64, 'base64'));
}
