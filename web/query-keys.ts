/**
 * Every query key of the app. Queries, invalidations and cache reads name their key from here, so
 * two pages sharing an answer (the agents list, the servers list) share its cache entry, and an
 * invalidation cannot miss a query by spelling its key differently.
 */
import type { DataTag } from '@tanstack/query-core';
import type { Me } from './types.ts';

export const queryKeys = {
  /** GET /v1/me; the login and renew answers are written here too, hence tagged with its type. */
  me: ['me'] as unknown as DataTag<readonly ['me'], Me>,
  /** GET /v1/auth/oidc/providers: the sign-in page's single sign-on buttons. */
  ssoProviders: ['sso-providers'] as const,
  /** GET /v1/user/totp. */
  totp: ['totp'] as const,
  /** GET /v1/user/passkeys. */
  passkeys: ['passkeys'] as const,
  /** GET /v1/passkeys/login and GET /v1/auth/header: the login page's other ways to sign in. */
  passwordless: ['passwordless'] as const,
  headerSignIn: ['header-sign-in'] as const,
  /** GET /v1/user/servers: the launcher's servers, pools and sessions. */
  userServers: ['user-servers'] as const,
  /** GET /v1/user/shares: sessions shared with the user, and their own shares. */
  userShares: ['user-shares'] as const,
  /** GET /v1/user/sessions/{id}/connection. */
  connection: (sessionId: string) => ['connection', sessionId] as const,
  /** Prefix of every admin query: what an admin action invalidates. */
  admin: ['admin'] as const,
  adminAgents: ['admin', 'agents'] as const,
  adminJoinTokens: ['admin', 'join-tokens'] as const,
  adminApiClients: ['admin', 'api-clients'] as const,
  adminServers: ['admin', 'servers'] as const,
  adminSessions: ['admin', 'sessions'] as const,
  adminPolicy: ['admin', 'policy'] as const,
  adminDirectors: ['admin', 'directors'] as const,
  adminOverview: ['admin', 'overview'] as const,
  /** GET /v1/admin/users/{user}/passkeys. */
  adminPasskeys: (user: string) => ['admin', 'passkeys', user] as const,
  /** GET /v1/admin/audit with these filters (a query string). */
  adminAudit: (filters: string) => ['admin', 'audit', filters] as const,
};
