import './styles.css';
import { html } from 'htm/preact';
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { call, director, isSignedOut, setSignedOutHandler } from './api.ts';
import { ErrorNote, Skeleton } from './components/feedback.ts';
import { PageHeader, Shell } from './components/shell.ts';
import { LauncherPage } from './pages/launcher.ts';
import { LoginPage } from './pages/login.ts';
import { TotpPage } from './pages/totp.ts';
import { PasskeysPage } from './pages/passkeys.ts';
import { useQuery } from './query.ts';
import { queryKeys } from './query-keys.ts';
import { href, useRoute, type Route } from './router.ts';
import { endReason, endSession } from './session-end.ts';
import type { Me } from './types.ts';

const isLogin = (path: string) => path === '/login' || path === '/admin/login';

/** Any 401 SESSION_EXPIRED / SESSION_REVOKED / UNAUTHENTICATED: forget everything, sign in again, come back. */
setSignedOutHandler((err) => endSession(endReason(err.code)));

function NotFound() {
  return html`<div class="page"><${PageHeader} title="Page not found">There is nothing at this address. <a href=${href('/')}>Go to your desktops</a>.<//></div>`;
}

function NeedsAdmin() {
  return html`<div class="page"><${PageHeader} title="Administrators only">
    You are signed in as a regular user. <a href=${href('/admin/login')}>Sign in as an administrator</a> to see this page.
  <//></div>`;
}

type AdminPages = typeof import('./pages/admin/pages.ts');
/** The admin pages' chunk once loaded (kept for the next admin page). */
let adminPages: AdminPages | undefined;

/** An admin page: its chunk is fetched the first time one opens, so the launcher's first load stays small. */
function AdminRoute({ route }: { route: Route }) {
  const [pages, setPages] = useState(adminPages);
  const [failed, setFailed] = useState<unknown>(null);
  useEffect(() => {
    if (pages) return;
    import('./pages/admin/pages.ts').then(
      (loaded) => {
        adminPages = loaded;
        setPages(loaded);
      },
      (err: unknown) => setFailed(err),
    );
  }, [pages, failed]);
  if (failed) return html`<main class="page page-narrow" id="main"><${ErrorNote} error=${failed} onRetry=${() => setFailed(null)} /></main>`;
  if (!pages) return html`<div class="boot" aria-busy="true"><${Skeleton} lines=${3} /></div>`;
  return pages.adminPage(route) ?? html`<${NotFound} />`;
}

function page(route: Route, me: Me) {
  const path = route.path;
  if (path === '/') return html`<${LauncherPage} />`;
  if (path === '/totp') return html`<${TotpPage} />`;
  if (path === '/passkeys') return html`<${PasskeysPage} />`;
  if (path.startsWith('/admin/') && me.role !== 'admin') return html`<${NeedsAdmin} />`;
  if (path === '/admin' || path.startsWith('/admin/')) return html`<${AdminRoute} route=${route} />`;
  return html`<${NotFound} />`;
}

function SignedIn({ route }: { route: Route }) {
  const me = useQuery({ queryKey: queryKeys.me, queryFn: () => call(director.v1.me.get()), staleTime: 60_000 });
  const signedOut = me.isError && isSignedOut(me.error);
  useEffect(() => {
    // The signed-out handler already navigated for API calls; this covers a cached 401.
    if (signedOut) endSession(endReason(me.error.code));
  }, [signedOut]);
  useEffect(() => {
    const title = route.path.startsWith('/admin') ? 'Administration' : route.path === '/totp' ? 'Authenticator app' : route.path === '/passkeys' ? 'Passkeys' : 'Your desktops';
    document.title = `${title} · Remote desktops`;
  }, [route.path]);
  if (me.data) return html`<${Shell} me=${me.data} path=${route.path}>${page(route, me.data)}<//>`;
  if (me.isError && !signedOut) return html`<main class="page page-narrow" id="main"><${ErrorNote} error=${me.error} onRetry=${() => me.refetch()} /></main>`;
  return html`<div class="boot" aria-busy="true"><${Skeleton} lines=${3} /></div>`;
}

function App() {
  const route = useRoute();
  useEffect(() => {
    if (isLogin(route.path)) document.title = 'Sign in · Remote desktops';
  }, [route.path]);
  return isLogin(route.path) ? html`<${LoginPage} route=${route} />` : html`<${SignedIn} route=${route} />`;
}

const root = document.getElementById('app')!;
root.textContent = '';
render(html`<${App} />`, root);
