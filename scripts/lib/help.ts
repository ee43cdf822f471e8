/**
 * Every script answers --help (or -h) with its usage and exits 0 before doing anything else (a demo
 * must not start because someone asked what it does).
 */
export function exitOnHelp(usage: string, argv: readonly string[] = process.argv.slice(2)): void {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(usage.trim());
    process.exit(0);
  }
}
