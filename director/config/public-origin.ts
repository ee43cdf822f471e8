import { hostname } from 'node:os';

/**
 * The origin users reach the web app by: `public_url` when set, else https://<first configured host
 * name, else this host's name>[:port]. Passkeys and single sign-on derive their addresses from it.
 */
export function publicOrigin(config: { public_url: string; hostnames: readonly string[]; director_port: number }): string {
  if (config.public_url) return config.public_url;
  const host = config.hostnames[0] ?? hostname();
  return new URL(`https://${host}:${config.director_port}`).origin;
}
