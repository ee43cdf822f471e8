/** What a component's options object must hold, key by key ('?' after the kind: may be left out). */
export type OptionKinds<T> = { [K in keyof T]-?: 'function' | 'function?' | 'object' | 'object?' | 'number' | 'number?' | 'string' | 'string?' | 'boolean' | 'boolean?' };

/**
 * Checks a component's options when it is built, so wiring mistakes stop start-up with the component
 * and key named, not a TypeError at the first request. Numbers must be finite and not negative.
 * @throws Error `${component}: option "${key}" must be ...`
 */
export function checkOptions<T extends object>(component: string, options: T, kinds: OptionKinds<T>): T {
  for (const [key, want] of Object.entries(kinds) as [string, string][]) {
    const value = (options as Record<string, unknown>)[key];
    const kind = want.replace('?', '');
    if (value === undefined && want.endsWith('?')) continue;
    const ok = kind === 'number' ? typeof value === 'number' && Number.isFinite(value) && value >= 0 : kind === 'object' ? typeof value === 'object' && value !== null : typeof value === kind;
    if (!ok) throw new Error(`${component}: option "${key}" must be ${kind === 'number' ? 'a finite number >= 0' : `${kind === 'object' ? 'an' : 'a'} ${kind}`}`);
  }
  return options;
}
