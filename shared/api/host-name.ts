/**
 * The one host-name rule: what an agent may register as, report in its update's stats, and be configured
 * to call itself. Policy names servers by it, and the public Go dcvix director dials it.
 */
import { Type } from '@sinclair/typebox';

/** Longest host name (RFC 1123: 253 characters without a trailing dot). */
export const HOST_NAME_MAX = 253;

/**
 * Dot-separated labels of 1 to 63 letters, digits and hyphens, each starting with a letter or digit.
 * Either case: Windows hosts report their NetBIOS name in capitals.
 */
export const HOST_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9-]{0,62}(\.[A-Za-z0-9][A-Za-z0-9-]{0,62})*$/;

/** True if `value` is a host name by HOST_NAME_RE and at most HOST_NAME_MAX characters long. */
export const isHostName = (value: unknown): value is string => typeof value === 'string' && value.length <= HOST_NAME_MAX && HOST_NAME_RE.test(value);

/** A host name field of a wire model: the same rule as isHostName. */
export const HostName = (options: { description?: string } = {}) =>
  Type.String({
    minLength: 1,
    maxLength: HOST_NAME_MAX,
    pattern: HOST_NAME_RE.source,
    description: 'Host name: labels of 1-63 letters, digits and hyphens (either case), dot-separated, at most 253 characters',
    ...options,
  });
