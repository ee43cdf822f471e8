/** A route as the router lists it (Elysia's `app.routes`). */
export interface RouteRef {
  method: string;
  path: string;
}

/**
 * The methods some route answers on this path: a known path asked with a wrong method gets 405 with
 * Allow (not a 404 that would say the path does not exist). Catch-all routes ("*") are ignored, or
 * every path would look known. Compiled once per route list.
 */
export function allowedMethodsIndex(routes: () => readonly RouteRef[]): (path: string) => string[] {
  let compiled: { re: RegExp; method: string }[] | undefined;
  const compile = () =>
    routes()
      .filter((r) => !r.path.includes('*') && r.method !== 'ALL')
      .map((r) => ({
        method: r.method,
        re: new RegExp(
          `^${r.path
            .split('/')
            .map((seg) => (seg.startsWith(':') ? '[^/]+' : seg.replace(/[.+?^${}()|[\]\\]/g, '\\$&')))
            .join('/')}/?$`,
        ),
      }));
  return (path) => {
    compiled ??= compile();
    const methods = new Set<string>();
    for (const route of compiled) if (route.re.test(path)) methods.add(route.method);
    if (methods.has('GET')) methods.add('HEAD');
    return [...methods].sort();
  };
}
