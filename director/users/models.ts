import { t } from 'elysia';
import { Time } from '../http/models.ts';

/** The {user} of /v1/admin/users/{user}/... */
export const UserParams = t.Object({ user: t.String() });

/** POST /v1/admin/users/{user}/signout: tokens of that user issued before validAfter are refused. */
export const SignoutAnswer = t.Object({ user: t.String(), validAfter: Time() });
