import { t } from 'elysia';
import { Time } from '../http/models.ts';
import { CredentialResponse, PasskeyAnswerBody } from '../login/models.ts';

/** Options for navigator.credentials (JSON form) and the id of the stored challenge to send back. */
export const PasskeyOffer = t.Object({
  challengeId: t.String(),
  options: t.Object({}, { additionalProperties: true, description: 'PublicKeyCredentialCreationOptionsJSON or PublicKeyCredentialRequestOptionsJSON' }),
});

export const PasskeyInfo = t.Object({ id: t.String(), name: t.String(), createdAt: Time(), lastUsedAt: t.Optional(Time()) });

export const PasskeyList = t.Object({
  enabled: t.Boolean(),
  allowPasswordless: t.Boolean(),
  passkeys: t.Array(PasskeyInfo),
});

export const RegisterBody = t.Object({ challengeId: t.String({ maxLength: 64 }), name: t.String({ maxLength: 64 }), response: CredentialResponse });

export const PasskeyParams = t.Object({ id: t.String({ maxLength: 1400 }) });

export const PasswordlessBody = t.Object({ ...PasskeyAnswerBody.properties, role: t.Optional(t.Union([t.Literal('user'), t.Literal('admin')])) });

export const ResetAnswer = t.Object({ ok: t.Literal(true), removed: t.Integer() });
