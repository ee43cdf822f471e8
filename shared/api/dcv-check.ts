/**
 * The DCV host self-check an agent reports in its update (optional, so agents that do not send it, the
 * public Go dcvix agent among them, still update): where it read DCV's settings, the
 * `[security] auth-token-verifier` found there, and the DCV version. The director judges the verifier
 * against its own addresses; an agent reporting no check is not judged.
 */
import { Type, type Static } from '@sinclair/typebox';

/** The director's verifier route: what `[security] auth-token-verifier` must name after the director's origin. */
export const VERIFIER_PATH = '/v1/user/authtokenverify';

/** Longest verifier URL, settings location and read error an update may carry. */
export const DCV_CHECK_URL_MAX = 512;
export const DCV_CHECK_WHERE_MAX = 256;
export const DCV_CHECK_ERROR_MAX = 300;
/** Longest DCV version text (`2024.0 (r18131)`). */
export const DCV_VERSION_MAX = 64;

const Line = (maxLength: number, description: string) => Type.String({ minLength: 1, maxLength, pattern: '^[^\\u0000-\\u001f\\u007f]*$', description });

export const DcvCheck = Type.Object(
  {
    source: Line(DCV_CHECK_WHERE_MAX, 'Where the DCV settings were read (e.g. /etc/dcv/dcv.conf)'),
    verifier: Type.Optional(Line(DCV_CHECK_URL_MAX, '[security] auth-token-verifier as set; absent: not set')),
    readError: Type.Optional(Line(DCV_CHECK_ERROR_MAX, 'Why the settings could not be read; the verifier is then unknown')),
    dcvVersion: Type.Optional(Line(DCV_VERSION_MAX, 'DCV server version from `dcv version`, e.g. 2024.0 (r18131); absent: unknown')),
  },
  { additionalProperties: true, description: 'The DCV host self-check (dcv.conf and dcv version)' },
);
export type DcvCheck = Static<typeof DcvCheck>;
