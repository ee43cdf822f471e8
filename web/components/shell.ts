import { html } from 'htm/preact';
import type { ComponentChildren } from 'preact';
import { useEffect } from 'preact/hooks';
import { ApiError, call, director } from '../api.ts';
import { queryClient, useMutation, useQuery } from '../query.ts';
import { queryKeys } from '../query-keys.ts';
import { href, navigate } from '../router.ts';
import type { Me } from '../types.ts';
import { ExpiryWatch } from './expiry-watch.ts';
import { OutageBanner, RETRY_MS } from './outage-banner.ts';
import { PolicyWarning } from './policy-warning.ts';
import { providerSignOut } from './sso-buttons.ts';
import { usePasskeys } from './passkey-manager.ts';

/**
 * Signs out, forgets every cached answer and returns to the login page, but only once the director
 * has cleared the cookie: if it cannot be reached the app says so and keeps trying, and never claims a
 * sign-out that did not happen.
 */
export function useSignOut() {
  const signOut = useMutation({
    mutationFn: async () => {
      await call(director.v1.logout.post(), { noSignOut: true });
      return providerSignOut();
    },
    onSuccess: (providerUrl) => {
      queryClient.clear();
      // Signed in through a provider that can end its own session: go there, it sends the browser back.
      if (providerUrl) location.assign(providerUrl);
      else navigate('/login?reason=signed-out', true);
    },
  });
  const unreachable = signOut.error instanceof ApiError && signOut.error.code === 'SERVER_UNAVAILABLE';
  useEffect(() => {
    if (!signOut.isError) return;
    const timer = setTimeout(() => signOut.mutate(), RETRY_MS);
    return () => clearTimeout(timer);
  }, [signOut.isError, signOut.failureCount, signOut.submittedAt]);
  return { ...signOut, unreachable, trying: signOut.isPending || signOut.isError };
}

/** Agents waiting for approval, for the admin navigation's badge (shares the agents page's query). */
export function usePendingAgents(enabled: boolean): number | undefined {
  const pendingAgents = useQuery({ queryKey: queryKeys.adminAgents, queryFn: () => call(director.v1.admin.agents.get()), enabled, refetchInterval: 30_000 });
  return pendingAgents.data ? pendingAgents.data.agents.filter((a) => a.state === 'pending').length : undefined;
}

const PendingBadge = ({ n }: { n: number | undefined }) =>
  n ? html` <span class="count count-alert" data-testid="pending-badge"><span aria-hidden="true">${n}</span><span class="visually-hidden">, ${n} waiting for approval</span></span>` : null;

/** Built-in TOTP status; a director without it answers 404 and the link simply does not show. */
export const useTotpStatus = () => useQuery({ queryKey: queryKeys.totp, queryFn: () => call(director.v1.user.totp.get()), retry: false, staleTime: 60_000, refetchOnWindowFocus: false });

const NavLink = ({ to, current, children }: { to: string; current: boolean; children: ComponentChildren }) =>
  html`<a href=${href(to)} class="nav-link" aria-current=${current ? 'page' : undefined}>${children}</a>`;

/** Header (brand, sections, who is signed in, sign out) around a page. */
export function Shell({ me, path, children }: { me: Me; path: string; children: ComponentChildren }) {
  const signOut = useSignOut();
  const totp = useTotpStatus();
  const passkeys = usePasskeys();
  const inAdmin = path.startsWith('/admin');
  const pending = usePendingAgents(me.role === 'admin');
  return html`<a class="skip-link" href="#main" onClick=${(e: Event) => (e.preventDefault(), document.getElementById('main')?.focus())}>Skip to content</a>
    <header class="topbar">
      <div class="topbar-inner">
        <a class="brand" href=${href('/')}><span class="brand-mark" aria-hidden="true"></span>Remote desktops</a>
        <nav class="nav" aria-label="Sections">
          <${NavLink} to="/" current=${path === '/'}>Desktops<//>
          ${totp.data?.enabled ? html`<${NavLink} to="/totp" current=${path === '/totp'}>Authenticator<//>` : null}
          ${passkeys.data?.enabled ? html`<${NavLink} to="/passkeys" current=${path === '/passkeys'}>Passkeys<//>` : null}
          ${me.role === 'admin' ? html`<${NavLink} to="/admin/agents" current=${inAdmin}>Administration<${PendingBadge} n=${pending} /><//>` : null}
        </nav>
        <div class="who">
          <span class="who-name" title=${me.groups.length ? `Groups: ${me.groups.join(', ')}` : undefined}>
            ${me.user}${me.role === 'admin' ? html` <span class="badge badge-info">admin</span>` : null}
          </span>
          <button type="button" class="btn btn-quiet btn-small" aria-disabled=${signOut.trying} aria-describedby=${signOut.isError ? 'signout-status' : undefined}
            onClick=${() => signOut.trying || signOut.mutate()}>${signOut.trying ? 'Signing out…' : 'Sign out'}</button>
        </div>
      </div>
    </header>
    <div id="signout-status" class="signout-live" aria-live="assertive">
      ${
        signOut.isError
          ? html`<div class="outage" role="alert" data-testid="signout-failed">
            <strong>You are still signed in.</strong>
            <span>${signOut.unreachable ? 'Sign-out did not reach the broker; retrying…' : 'Sign-out did not go through; retrying…'}</span>
          </div>`
          : null
      }
    </div>
    <${OutageBanner} />
    <${ExpiryWatch} me=${me} />
    <main id="main" class="main" tabindex="-1">${children}</main>`;
}

const ADMIN_TABS = [
  ['/admin/overview', 'Overview'],
  ['/admin/agents', 'Agents'],
  ['/admin/join-tokens', 'Join tokens'],
  ['/admin/servers', 'Servers'],
  ['/admin/sessions', 'Sessions'],
  ['/admin/policy', 'Policy'],
  ['/admin/api-clients', 'API clients'],
  ['/admin/users', 'Users'],
  ['/admin/audit', 'Audit log'],
] as const;

/** Tabs across the admin pages; Agents carries the count of agents waiting for approval. */
export function AdminNav({ path }: { path: string }) {
  const pending = usePendingAgents(true);
  return html`<${PolicyWarning} /><nav class="tabs" aria-label="Administration">
    ${ADMIN_TABS.map(([to, label]) => html`<a key=${to} class="tab" href=${href(to)} aria-current=${path === to ? 'page' : undefined}>${label}${to === '/admin/agents' ? html`<${PendingBadge} n=${pending} />` : null}</a>`)}
  </nav>`;
}

/** Page title row: heading, optional supporting text and actions on the right. */
export function PageHeader({ title, children, actions }: { title: string; children?: ComponentChildren; actions?: ComponentChildren }) {
  return html`<div class="page-header">
    <div>
      <h1 tabindex="-1">${title}</h1>
      ${children ? html`<p class="lead">${children}</p>` : null}
    </div>
    ${actions ? html`<div class="page-actions">${actions}</div>` : null}
  </div>`;
}
