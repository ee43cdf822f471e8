import { t } from 'elysia';
import { coded, Nullable, OneOf, Time } from '../http/models.ts';

const Role = OneOf(['user', 'admin']);
/** Absent, null and "" all mean "not sent" (older clients send empty fields). */
const maybeText = (maxLength: number) => t.Optional(Nullable(t.String({ maxLength })));

/** A WebAuthn answer as @simplewebauthn/browser sends it (checked in depth by @simplewebauthn/server). */
export const CredentialResponse = t.Object(
  {
    id: t.String({ maxLength: 1400 }),
    rawId: t.String({ maxLength: 1400 }),
    type: t.Literal('public-key'),
    response: t.Object({}, { additionalProperties: true }),
    clientExtensionResults: t.Optional(t.Object({}, { additionalProperties: true })),
    authenticatorAttachment: t.Optional(t.String({ maxLength: 32 })),
  },
  { additionalProperties: true, description: 'The browser credential as JSON (PublicKeyCredential.toJSON())' },
);

/** A sign-in answer to an offer: the offer's challenge id and the credential. */
export const PasskeyAnswerBody = t.Object({ challengeId: t.String({ maxLength: 64 }), response: CredentialResponse });

/** POST /v1/user/login and /v1/admin/login: the user name under any of four spellings (userID first). */
export const LoginBody = t.Object({
  userID: t.Optional(t.String({ maxLength: 256, description: 'User name (required under one of userID, userId, username, user)' })),
  userId: t.Optional(t.String({ maxLength: 256 })),
  username: t.Optional(t.String({ maxLength: 256 })),
  user: t.Optional(t.String({ maxLength: 256 })),
  password: t.String({ maxLength: 1024 }),
  otp: maybeText(64),
  state: maybeText(1024),
  passkey: t.Optional(t.Union([PasskeyAnswerBody, t.Null()], { description: 'In place of otp: a passkey answering the `passkey` offer of INSUFFICIENT_CREDENTIALS' })),
});

/** A successful login; the token itself travels only in the HttpOnly dcvix_session cookie. */
export const LoginAnswer = t.Object({ user: t.String(), role: Role, groups: t.Array(t.String()), expiresAt: Time() });

export const MeAnswer = t.Object({
  user: t.String(),
  role: Role,
  groups: t.Array(t.String()),
  expiresAt: Time(),
  authTime: Time({ description: 'Time of the password login; a renewed token keeps it' }),
});

export const AuthHealthAnswer = t.Object({
  status: t.Literal('ok'),
  user: t.String(),
  role: Role,
  auth: t.Object({ ok: t.Boolean(), backends: t.Array(t.Object({ name: t.String(), ok: t.Boolean(), detail: t.Optional(t.String()) })) }),
});

export const TotpStatus = t.Object({ enabled: t.Boolean(), enrolled: t.Boolean() });
export const TotpEnrolment = t.Object({ secret: t.String({ description: 'Base32 secret' }), otpauthUri: t.String() });
export const TotpConfirmBody = t.Object({ code: coded('INVALID_CODE', t.String({ pattern: '^[0-9]{6}$', description: 'The 6 digits the app shows' })) });
