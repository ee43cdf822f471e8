import { request } from 'node:https';

/**
 * An HTTPS JSON call from a chosen loopback source address (127.0.0.2 ...), so a test can play two
 * clients on different addresses against one director.
 */
export function callFrom(
  localAddress: string,
  url: string,
  ca: string,
  init: { method?: string; json?: unknown; cookie?: string } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; json: any }> {
  const body = init.json === undefined ? undefined : JSON.stringify(init.json);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: init.method ?? 'GET', ca, localAddress, headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(init.cookie ? { cookie: init.cookie } : {}) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: any;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, json });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
