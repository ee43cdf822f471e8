/**
 * Registration and renewal (agent -> director): POST /v1/agent/register (no client certificate: trust
 * on first use, or a pinned CA) and POST /v1/agent/renew (mTLS), and the certificate both answer with.
 */
import { Type, type Static } from '@sinclair/typebox';
import { coded } from './coded.ts';
import { HostName } from './host-name.ts';

const Csr = () => Type.String({ minLength: 1, maxLength: 8192, description: 'Base64 DER PKCS#10 request, Ed25519 key, subject CN dcvix-agent-{guid}' });

/** POST /v1/agent/register: an agent asks for a certificate (pending until an admin approves, or admitted by a join token). */
export const RegisterBody = Type.Object(
  {
    guid: coded('INVALID_GUID', Type.String({ minLength: 1, maxLength: 64, description: 'Lower-case UUIDv4' })),
    hostname: coded('INVALID_HOSTNAME', HostName({ description: "The server's name in the policy" })),
    csr: coded('INVALID_CSR_ENCODING', Csr()),
    // Optional: the public Go dcvix agent sends only the three fields above.
    joinToken: Type.Optional(
      coded('JOIN_TOKEN_INVALID', Type.String({ minLength: 1, maxLength: 200, description: 'An admin-made join token (dcvix-join_<id>_<secret>): admitted without approval while it is valid' })),
    ),
  },
  { additionalProperties: true },
);
export type RegisterBody = Static<typeof RegisterBody>;

/** POST /v1/agent/renew (mTLS): a new certificate for the same key. */
export const RenewBody = Type.Object({ csr: coded('INVALID_CSR_ENCODING', Csr()) }, { additionalProperties: true });
export type RenewBody = Static<typeof RenewBody>;

/**
 * The certificate an approved agent gets (register and renew), as our director sends it. `ca` and
 * `renewalIntervalSeconds` are what the public Go dcvix agent reads (it exits on an empty `ca`);
 * `caCertificate` and `notAfter` what our agents read.
 */
export const IssuedCertificate = Type.Object({
  certificate: Type.String({ minLength: 1, description: 'PEM' }),
  caCertificate: Type.String({ description: 'PEM' }),
  ca: Type.String({ description: 'PEM (same as caCertificate)' }),
  agentId: Type.String(),
  notAfter: Type.String({ format: 'date-time' }),
  renewalIntervalSeconds: Type.Integer(),
});
export type IssuedCertificate = Static<typeof IssuedCertificate>;

/**
 * An issued certificate as our agent reads it from any director: the certificate, and whichever of the
 * other fields came. The public Go dcvix director sends `certificate`, `ca`, `agentId` and
 * `renewalIntervalSeconds` to a registration and no CA at all to a renewal.
 */
export const AnyIssuedCertificate = Type.Object({ ...Type.Partial(IssuedCertificate).properties, certificate: IssuedCertificate.properties.certificate });
export type AnyIssuedCertificate = Static<typeof AnyIssuedCertificate>;
