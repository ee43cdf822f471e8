import { html } from 'htm/preact';
import type { ComponentChildren } from 'preact';
import { api } from '../api.ts';
import { queryClient, useMutation, useQuery } from '../query.ts';
import { href, navigate } from '../router.ts';
import { PolicyWarning } from './policy-warning.ts';
import type { Me, TotpStatus } from '../types.ts';

/** Signs out, forgets every cached answer and returns to the login page. */
export function useSignOut() {
  return useMutation({
    mutationFn: () => api('/v1/logout', { method: 'POST', noSignOut: true }),
    onSettled: () => {
      queryClient.clear();
      navigate('/login', true);
    },
  });
}

/** Built-in TOTP status; a director without it answers 404 and the link simply does not show. */
export const useTotpStatus = () =>
  useQuery({ queryKey: ['totp'], queryFn: () => api<TotpStatus>('/v1/user/totp'), retry: false, staleTime: 60_000, refetchOnWindowFocus: false });

const NavLink = ({ to, current, children }: { to: string; current: boolean; children: ComponentChildren }) =>
  html`<a href=${href(to)} class="nav-link" aria-current=${current ? 'page' : undefined}>${children}</a>`;

/** Header (brand, sections, who is signed in, sign out) around a page. */
export function Shell({ me, path, children }: { me: Me; path: string; children: ComponentChildren }) {
  const signOut = useSignOut();
  const totp = useTotpStatus();
  const inAdmin = path.startsWith('/admin');
  return html`<a class="skip-link" href="#main" onClick=${(e: Event) => (e.preventDefault(), document.getElementById('main')?.focus())}>Skip to content</a>
    <header class="topbar">
      <div class="topbar-inner">
        <a class="brand" href=${href('/')}><span class="brand-mark" aria-hidden="true"></span>Remote desktops</a>
        <nav class="nav" aria-label="Sections">
          <${NavLink} to="/" current=${path === '/'}>Desktops<//>
          ${totp.data?.enabled ? html`<${NavLink} to="/totp" current=${path === '/totp'}>Authenticator<//>` : null}
          ${me.role === 'admin' ? html`<${NavLink} to="/admin/agents" current=${inAdmin}>Administration<//>` : null}
        </nav>
        <div class="who">
          <span class="who-name" title=${me.groups.length ? `Groups: ${me.groups.join(', ')}` : undefined}>
            ${me.user}${me.role === 'admin' ? html` <span class="badge badge-info">admin</span>` : null}
          </span>
          <button type="button" class="btn btn-quiet btn-small" onClick=${() => signOut.mutate()} disabled=${signOut.isPending}>Sign out</button>
        </div>
      </div>
    </header>
    <main id="main" class="main" tabindex="-1">${inAdmin && me.role === 'admin' ? html`<${PolicyWarning} />` : null}${children}</main>`;
}

const ADMIN_TABS = [
  ['/admin/agents', 'Agents'],
  ['/admin/servers', 'Servers'],
  ['/admin/sessions', 'Sessions'],
  ['/admin/policy', 'Policy'],
  ['/admin/audit', 'Audit log'],
] as const;

/** Tabs across the admin pages. */
export function AdminNav({ path }: { path: string }) {
  return html`<nav class="tabs" aria-label="Administration">
    ${ADMIN_TABS.map(([to, label]) => html`<a key=${to} class="tab" href=${href(to)} aria-current=${path === to ? 'page' : undefined}>${label}</a>`)}
  </nav>`;
}

/** Page title row: heading, optional supporting text and actions on the right. */
export function PageHeader({ title, children, actions }: { title: string; children?: ComponentChildren; actions?: ComponentChildren }) {
  return html`<div class="page-header">
    <div>
      <h1>${title}</h1>
      ${children ? html`<p class="lead">${children}</p>` : null}
    </div>
    ${actions ? html`<div class="page-actions">${actions}</div>` : null}
  </div>`;
}
