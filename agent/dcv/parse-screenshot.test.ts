import { describe, expect, test } from 'bun:test';
import { parseScreenshotJson } from './parse-screenshot.ts';

const bytes = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 255, 7]);
const base64 = Buffer.from(bytes).toString('base64');

describe('dcv get-screenshot --json, read tolerantly', () => {
  test('ok: the image under each accepted key and nesting, any key case, with a data: prefix or line breaks', () => {
    const shapes: unknown[] = [
      { format: 'png', width: 160, height: 90, data: base64 },
      { image: base64 },
      { screenshot: base64 },
      { Data: base64 },
      { screenshot: { format: 'png', data: base64, primary: true } },
      { Images: [{ Format: 'png', Data: base64, Primary: true }, { data: 'ignored' }] },
      { data: `data:image/png;base64,${base64}` },
      { data: `${base64.slice(0, 4)}\n${base64.slice(4)}` },
    ];
    for (const shape of shapes) expect({ shape, image: [...parseScreenshotJson(`${JSON.stringify(shape, null, 2)}\n`)] }).toEqual({ shape, image: [...bytes] });
  });

  test('rejects: text that is not JSON, JSON without an image string, and an image that is not base64', () => {
    for (const text of ['', 'not json', '[]', `["${base64}"]`, '{"format": "png"}', '{"data": ""}', '{"data": 12}', '{"images": []}', '{"data": "not base64!"}', '{"a": {"b": {"data": "AAAA"}}}']) {
      expect(() => parseScreenshotJson(text)).toThrow();
    }
  });
});
