import { html } from 'htm/preact';
import type { Route } from '../../router.ts';
import { AgentsPage } from './agents.ts';
import { ApiClientsPage } from './api-clients.ts';
import { AuditPage } from './audit.ts';
import { JoinTokensPage } from './join-tokens.ts';
import { OverviewPage } from './overview.ts';
import { PolicyPage } from './policy.ts';
import { ServersPage } from './servers.ts';
import { SessionsPage } from './sessions.ts';
import { UsersPage } from './users.ts';

/**
 * The admin pages by path: one chunk of their own, loaded when an admin first opens one, so a user's
 * launcher never downloads them. Undefined for a path that is no admin page.
 */
export function adminPage(route: Route) {
  switch (route.path) {
    case '/admin':
    case '/admin/agents':
      return html`<${AgentsPage} route=${route} />`;
    case '/admin/join-tokens':
      return html`<${JoinTokensPage} />`;
    case '/admin/overview':
      return html`<${OverviewPage} />`;
    case '/admin/servers':
      return html`<${ServersPage} />`;
    case '/admin/sessions':
      return html`<${SessionsPage} route=${route} />`;
    case '/admin/policy':
      return html`<${PolicyPage} />`;
    case '/admin/api-clients':
      return html`<${ApiClientsPage} />`;
    case '/admin/users':
      return html`<${UsersPage} />`;
    case '/admin/audit':
      return html`<${AuditPage} route=${route} />`;
    default:
      return undefined;
  }
}
