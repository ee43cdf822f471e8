/**
 * Where start-up time goes: each step's end as milliseconds since the process started (Bun's
 * performance clock starts at exec), so the first mark also shows module loading and config reading.
 * The program logs them with its "listening" line; the start-up bench reads them from there.
 */
export class StartupSteps {
  readonly #ends: Record<string, number> = {};

  /** Notes that the step `name` ended now. */
  mark(name: string): void {
    this.#ends[name] = Math.round(performance.now() * 10) / 10;
  }

  /** `{ step: ms since exec }`, in the order the steps ended. */
  toJSON(): Record<string, number> {
    return { ...this.#ends };
  }
}
