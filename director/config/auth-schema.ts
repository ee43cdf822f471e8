import { bool, duration, field, int, list, oneOf, section, sectionMap, str, type ConfigOf } from '../../shared/config-schema.ts';
import { headerAuthSchema } from './header-auth-schema.ts';
import { passkeysSchema } from './passkeys-schema.ts';
import { stringTable } from './typed-fields.ts';

/** Login backends the registry knows (director/auth/registry.ts maps each to its factory). */
export const AUTH_BACKENDS = ['pam', 'ldap', 'radius', 'external'] as const;
export type AuthBackendName = (typeof AUTH_BACKENDS)[number];

/** Second-factor verifiers (director/otp/registry.ts); "" = no second factor. */
export const OTP_BACKENDS = ['', 'totp', 'privacyidea', 'external'] as const;

const commandSection = (timeoutMs: number) =>
  section({
    /** argv of the command (no shell); "{user}" is replaced by a validated user name; $DCVIX_USER has it too. */
    command: field<string[]>([], list(str)),
    timeout: field(timeoutMs, duration(100)),
  });

/**
 * [auth]: which backends log users in, in order (the first that knows the user decides), and each
 * backend's settings. Example:
 *   [auth]            backends = ["ldap", "pam"]
 *   [auth.ldap]       url = "ldaps://ldap.example.com"  ca_file = "/etc/dcvix/ldap-ca.pem"
 *                     bind_dn = "cn=dcvix,ou=services,dc=example,dc=com"  bind_password_file = "/etc/dcvix/ldap.pw"
 *                     user_base = "ou=people,dc=example,dc=com"  group_base = "ou=groups,dc=example,dc=com"
 *   [auth.radius]     servers = ["10.0.0.5:1812", "10.0.0.6"]  secret_file = "/etc/dcvix/radius.secret"
 *   [auth.pam]        service = "dcvix"
 *   [auth.external]   command = ["/usr/local/libexec/dcvix-auth"]  timeout = "10s"
 *   [auth.oidc.corp]  issuer = "https://login.example.com/realms/staff"  client_id = "dcvix"
 *                     client_secret_file = "/etc/dcvix/oidc-corp.secret"  groups_claim = "groups"
 */
export const authSchema = section({
  backends: field<string[]>(['external'], list(oneOf(...AUTH_BACKENDS))),
  /** Show the user name and password form on the sign-in pages; false = single sign-on buttons only. */
  password_form: field(true, bool),
  /** Single sign-on: one OpenID Connect provider per named table; each gets a "Sign in with" button. */
  oidc: sectionMap({
    /** The button's text after "Sign in with"; "" = the table's name. */
    display_name: field('', str),
    /** The issuer URL (https); its /.well-known/openid-configuration is read on first use, not at start. */
    issuer: field('', str),
    client_id: field('', str),
    /** The client secret: a file holding it, or the name of an environment variable; neither = a public client (PKCE only). */
    client_secret_file: field('', str),
    client_secret_env: field('', str),
    scopes: field<string[]>(['openid', 'profile', 'email'], list(str)),
    /** The ID token claim that names the user; when the token lacks it, username_fallback_claim ("" = none). */
    username_claim: field('preferred_username', str),
    username_fallback_claim: field('email', str),
    /** The ID token claim listing the user's groups (fed into the policy's groups); "" = the policy's own member lists. */
    groups_claim: field('groups', str),
    /** Only users whose `email` claim ends in one of these domains ("example.com"); [] = any. */
    allowed_domains: field<string[]>([], list(str)),
    /** Claims the ID token must carry with these values (a list claim must contain the value), e.g. { hd = "example.com" }. */
    required_claims: field<Readonly<Record<string, string>>>({}, stringTable),
    /** PEM CA bundle for the issuer's TLS; "" = the system trust store. */
    ca_file: field('', str),
    /** Time limit of each call to the provider (discovery, token, keys). */
    timeout: field(10_000, duration(500)),
    /** Sign-out also ends the provider's session when it offers end_session_endpoint. */
    end_session: field(true, bool),
  }),
  /** Header sign-in behind an authenticating proxy (header-auth-schema.ts). */
  header: headerAuthSchema,
  /** Passkeys (passkeys-schema.ts). */
  passkeys: passkeysSchema,
  external: commandSection(10_000),
  pam: section({
    /** PAM service name: a file of that name must exist in /etc/pam.d (or config_dir). */
    service: field('dcvix', str),
    /** Private directory of PAM service files (pam_start_confdir, Linux-PAM >= 1.4); "" = /etc/pam.d. */
    config_dir: field('', str),
    /** Also run the account stack (pam_acct_mgmt: expired or locked accounts are refused). */
    account_check: field(true, bool),
    timeout: field(15_000, duration(100)),
  }),
  ldap: section({
    /** ldap://host[:port] or ldaps://host[:port]. */
    url: field('', str),
    /** PEM CA bundle for ldaps:// and StartTLS; "" = the system trust store. */
    ca_file: field('', str),
    /** Upgrade an ldap:// connection with StartTLS before any bind. */
    start_tls: field(false, bool),
    /** Service account for search-then-bind; "" = anonymous search. */
    bind_dn: field('', str),
    bind_password: field('', str),
    bind_password_file: field('', str),
    /** Direct bind: a DN template like "uid={user},ou=people,dc=example,dc=com" (value escaped per RFC 4514). */
    user_dn_template: field('', str),
    /** Search-then-bind: base, naming attribute and an extra (static) filter; the user name is never put into a filter string. */
    user_base: field('', str),
    user_attribute: field('uid', str),
    user_filter: field('(objectClass=*)', str),
    /** Groups from an attribute of the user entry (memberOf); used when group_base is "". */
    group_attribute: field('memberOf', str),
    /** Groups by search: entries under group_base matching group_filter whose member_attribute holds the user's DN. */
    group_base: field('', str),
    group_filter: field('(objectClass=groupOfNames)', str),
    group_member_attribute: field('member', str),
    group_name_attribute: field('cn', str),
    timeout: field(5_000, duration(100)),
    connect_timeout: field(5_000, duration(100)),
  }),
  radius: section({
    /** host[:port] (default port 1812), tried in order. */
    servers: field<string[]>([], list(str)),
    secret: field('', str),
    secret_file: field('', str),
    nas_identifier: field('dcvix-director', str),
    /** Per attempt; each server gets 1 + retries attempts. */
    timeout: field(3_000, duration(50)),
    retries: field(2, int(0, 10)),
  }),
});

/**
 * [otp]: an optional second factor, required for every login when backend is set. Example:
 *   [otp]             backend = "privacyidea"
 *   [otp.privacyidea] url = "https://pi.example.com"  realm = "staff"  ca_file = "/etc/dcvix/pi-ca.pem"
 *   [otp.totp]        issuer = "dcvix"  window = 1
 *   [otp.external]    command = ["/usr/local/libexec/dcvix-otp"]
 */
export const otpSchema = section({
  backend: field<(typeof OTP_BACKENDS)[number]>('', oneOf(...OTP_BACKENDS)),
  privacyidea: section({
    /** Base URL; /validate/check is appended. */
    url: field('', str),
    realm: field('', str),
    ca_file: field('', str),
    timeout: field(5_000, duration(100)),
  }),
  external: commandSection(10_000),
  totp: section({
    /** Shown by authenticator apps next to the account name. */
    issuer: field('dcvix', str),
    /** Accepted time steps before and after now (clock skew). */
    window: field(1, int(0, 10)),
  }),
});

export type AuthConfig = ConfigOf<typeof authSchema.section>;
export type OtpConfig = ConfigOf<typeof otpSchema.section>;
export type LdapConfig = AuthConfig['ldap'];
export type RadiusConfig = AuthConfig['radius'];
export type PamConfig = AuthConfig['pam'];
export type OidcProviderConfig = AuthConfig['oidc'][string];
