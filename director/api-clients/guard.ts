import { Elysia } from 'elysia';
import { unauthorized } from '../../shared/errors.ts';
import { readSessionCookie } from '../http/cookies.ts';
import type { ApiClients } from './service.ts';

/**
 * Routes after `.use(requireApiClient(clients))` get `client`: the API client behind the request's
 * bearer access token, read from its row on every request. A user's cookie or session token is no
 * credential here, as an access token is none on the user and admin routes.
 */
export const requireApiClient = (clients: ApiClients) =>
  new Elysia({ name: 'director.guard.api-client' }).derive({ as: 'scoped' }, async ({ request }) => {
    const bearer = request.headers.get('authorization')?.match(/^Bearer (\S+)$/)?.[1];
    if (!bearer) {
      const why = readSessionCookie(request.headers.get('cookie')) ? 'a user login is no credential here: ' : '';
      throw unauthorized('API_TOKEN_REQUIRED', `${why}send an API client's access token (POST /oauth2/token) as a Bearer header`);
    }
    return { client: await clients.authenticate(bearer) };
  });
