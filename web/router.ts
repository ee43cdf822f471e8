import { useEffect, useState } from 'preact/hooks';

/** A hash route: "#/admin/agents?state=pending" -> { path: "/admin/agents", params }. */
export interface Route {
  path: string;
  params: URLSearchParams;
}

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#/, '') || '/';
  const [path, query] = raw.split('?', 2) as [string, string | undefined];
  return { path: path || '/', params: new URLSearchParams(query ?? '') };
}

/** The current route; re-renders on hashchange. */
export function useRoute(): Route {
  const [hash, setHash] = useState(() => location.hash);
  useEffect(() => {
    const update = () => setHash(location.hash);
    addEventListener('hashchange', update);
    return () => removeEventListener('hashchange', update);
  }, []);
  return parseHash(hash);
}

/** Goes to a route ("/admin/agents"); `replace` keeps the back button from returning here. */
export function navigate(to: string, replace = false): void {
  const hash = `#${to}`;
  if (location.hash === hash) return;
  if (replace) {
    history.replaceState(null, '', hash);
    dispatchEvent(new HashChangeEvent('hashchange'));
  } else location.hash = hash;
}

/** "#/path" for hrefs. */
export const href = (to: string) => `#${to}`;
