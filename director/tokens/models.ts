import { t } from 'elysia';
import { Time } from '../http/models.ts';

/** POST /v1/admin/users/{user}/signout: tokens of that user issued before validAfter are refused. */
export const SignoutAnswer = t.Object({ user: t.String(), validAfter: Time() });
