/**
 * User names that are safe to put into an argv slot: letters, digits and . _ @ - (not leading "-", so a
 * name can never look like an option), at most 128 characters. Backends that only pass the name as data
 * (LDAP filter objects, RADIUS attributes, PAM) do not need this.
 */
const STRICT = /^[A-Za-z0-9._@][A-Za-z0-9._@-]{0,127}$/;

/** True when `name` matches the strict charset for argv substitution. */
export function isStrictUsername(name: string): boolean {
  return STRICT.test(name);
}

/** True when the text has control characters (newlines would split the stdin protocol, NUL ends C strings). */
export function hasControlChars(text: string): boolean {
  return /[\u0000-\u001f\u007f]/.test(text);
}
