/**
 * @simplewebauthn/server, loaded on first use: importing it takes about 100 ms, which every director
 * start would pay whether or not anyone uses a passkey (bench: startup).
 */
let loading: Promise<typeof import('@simplewebauthn/server')> | undefined;

/** The WebAuthn library, imported once on first call. */
export function webauthn(): Promise<typeof import('@simplewebauthn/server')> {
  loading ??= import('@simplewebauthn/server');
  return loading;
}
