/**
 * The Windows system programs the agent calls (icacls, sc.exe, netsh): argv without a shell, output kept
 * for the error message. Injected wherever they are used, so tests check the exact argv of each call.
 */

/** How a system program ended. */
export interface SystemCommandResult {
  code: number;
  output: string;
}

/** Runs one system program to its end; never rejects (a program that cannot start is code -1). */
export type SystemCommandRunner = (argv: readonly string[]) => Promise<SystemCommandResult>;

/** The real runner: Bun.spawn, stdout and stderr together. */
export const spawnSystemCommand: SystemCommandRunner = async (argv) => {
  try {
    const proc = Bun.spawn([...argv], { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' });
    const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    return { code, output: `${stdout}${stderr}`.trim() };
  } catch (err) {
    return { code: -1, output: (err as Error).message };
  }
};

/** Runs `argv` and throws, naming the program and its output, unless it exits 0. */
export async function mustRun(run: SystemCommandRunner, argv: readonly string[]): Promise<void> {
  const result = await run(argv);
  if (result.code !== 0) throw new Error(`${argv[0]} failed (exit ${result.code}): ${result.output.slice(0, 500) || 'no output'}`);
}
