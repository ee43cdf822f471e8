import { VERSION_TEXT } from './version.ts';

export type CliAction = { kind: 'run'; configFile: string; explicit: boolean } | { kind: 'exit'; code: number };

/**
 * The argv both programs take: --config FILE (or --config=FILE, -c FILE), --help, --version.
 * Prints help, version or a usage error itself and says whether to run or exit with which code.
 */
export function parseProgramArgs(argv: string[], program: string, defaultConfig: string, usage: string): CliAction {
  let configFile = defaultConfig;
  let explicit = false;
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index]!;
    if (arg === '--help' || arg === '-h') {
      console.log(usage);
      return { kind: 'exit', code: 0 };
    }
    if (arg === '--version') {
      console.log(`${program} ${VERSION_TEXT}`);
      return { kind: 'exit', code: 0 };
    }
    if (arg === '--config' || arg === '-c' || arg.startsWith('--config=')) {
      const value = arg.startsWith('--config=') ? arg.slice('--config='.length) : argv[++index];
      if (!value) {
        console.error(`${program}: --config needs a file`);
        return { kind: 'exit', code: 2 };
      }
      configFile = value;
      explicit = true;
      continue;
    }
    console.error(`${program}: unknown argument: ${arg}\n\n${usage}`);
    return { kind: 'exit', code: 2 };
  }
  return { kind: 'run', configFile, explicit };
}
