/** Keys no request of ours uses that turn objects into traps when something prints them. */
const TRAP_KEYS = new Set(['toString', 'valueOf', 'toJSON', '__proto__', 'constructor']);
/** Text that may hold such a key: one of them in quotes, or any \u escape (which could spell one). */
const MAY_HOLD_TRAP = /"(?:toString|valueOf|toJSON|__proto__|constructor)"|\\u/;

/**
 * JSON.parse without those keys: an object whose toString is not a function throws (not our
 * envelope, a 500) the moment a validator puts it in a message. A reviver costs several times the
 * parse, so it runs only on text that may hold such a key (almost never).
 */
export const parseJsonSafely = (text: string): unknown => (MAY_HOLD_TRAP.test(text) ? JSON.parse(text, (key, value) => (TRAP_KEYS.has(key) ? undefined : value)) : JSON.parse(text));
