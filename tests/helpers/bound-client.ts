import { request, type Agent } from 'node:https';

/**
 * An HTTPS call from a chosen loopback source address (127.0.0.2 ...), so a test can play two clients
 * on different addresses against one director; a JSON body, or form fields. Every call opens its own
 * connection (a load balancer in between picks a director per connection) unless `agent` keeps them.
 */
export function callFrom(
  localAddress: string,
  url: string,
  ca: string,
  init: { method?: string; json?: unknown; form?: Record<string, string>; cookie?: string; agent?: Agent; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; json: any; text: string }> {
  const body = init.json !== undefined ? JSON.stringify(init.json) : init.form ? new URLSearchParams(init.form).toString() : undefined;
  const type = init.json !== undefined ? 'application/json' : 'application/x-www-form-urlencoded';
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: init.method ?? 'GET',
        ca,
        localAddress,
        agent: init.agent ?? false,
        headers: { ...(body ? { 'content-type': type } : {}), ...(init.cookie ? { cookie: init.cookie } : {}), ...init.headers },
      },
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
          resolve({ status: res.statusCode ?? 0, headers: res.headers, json, text });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
