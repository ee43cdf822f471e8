/** Keys no request of ours uses that turn objects into traps when something prints them. */
const TRAP_KEYS = new Set(['toString', 'valueOf', 'toJSON', '__proto__', 'constructor']);

/**
 * JSON.parse without those keys: an object whose toString is not a function throws (not our
 * envelope, a 500) the moment a validator puts it in a message.
 */
export const parseJsonSafely = (text: string): unknown => JSON.parse(text, (key, value) => (TRAP_KEYS.has(key) ? undefined : value));
