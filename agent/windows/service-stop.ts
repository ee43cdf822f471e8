/**
 * How the Windows service host asks the agent to stop: Windows has no SIGTERM to send a program without
 * a console, so the host closes the agent's standard input, and the agent stops as on SIGTERM.
 */
import type { Readable } from 'node:stream';

/** Calls `stop` once when `input` ends or closes (its data is read and dropped). */
export function stopWhenInputEnds(input: Readable, stop: () => unknown): void {
  let stopped = false;
  const once = () => {
    if (stopped) return;
    stopped = true;
    void stop();
  };
  input.on('end', once);
  input.on('close', once);
  input.on('error', once);
  input.resume();
}
