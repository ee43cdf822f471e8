import { ApiError } from '../../shared/errors.ts';
import type { DcvResult, DcvRunner } from '../dcv/runner.ts';

/**
 * A DcvRunner that reports each invocation's duration and failure to the metrics: a non-zero exit is
 * "exit_status", a runner error its code (DCV_TIMEOUT, DCV_UNAVAILABLE).
 */
export class MeasuredDcvRunner implements DcvRunner {
  constructor(
    private readonly inner: DcvRunner,
    private readonly report: (command: string, seconds: number, failure?: string) => void,
  ) {}

  async run(args: string[]): Promise<DcvResult> {
    const command = args[0] ?? 'none';
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    try {
      const result = await this.inner.run(args);
      this.report(command, seconds(), result.code === 0 ? undefined : 'exit_status');
      return result;
    } catch (err) {
      this.report(command, seconds(), err instanceof ApiError ? err.code : 'error');
      throw err;
    }
  }
}
