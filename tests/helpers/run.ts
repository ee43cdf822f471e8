/** Runs a command (argv, no shell) and returns its output; throws with stderr on a non-zero exit. */
export async function run(argv: string[], opts: { stdin?: string; allowFail?: boolean; env?: Record<string, string> } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const proc = Bun.spawn(argv, { stdin: opts.stdin !== undefined ? new TextEncoder().encode(opts.stdin) : 'ignore', stdout: 'pipe', stderr: 'pipe', env: opts.env ?? process.env });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0 && !opts.allowFail) throw new Error(`${argv.join(' ')} exited ${code}: ${stderr}`);
  return { code, stdout, stderr };
}
