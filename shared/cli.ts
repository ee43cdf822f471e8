import { VERSION_TEXT } from './version.ts';

export type CliAction = { kind: 'run'; configFile: string; explicit: boolean } | { kind: 'exit'; code: number };

/**
 * The argv both programs take: --config FILE (or --config=FILE, -c FILE), --help, --version.
 * Prints help, version or a usage error itself and says whether to run or exit with which code.
 */
export function parseProgramArgs(argv: string[], program: string, defaultConfig: string, usage: string): CliAction {
  let configFile = defaultConfig;
  let explicit = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--help' || a === '-h') {
      console.log(usage);
      return { kind: 'exit', code: 0 };
    }
    if (a === '--version') {
      console.log(`${program} ${VERSION_TEXT}`);
      return { kind: 'exit', code: 0 };
    }
    if (a === '--config' || a === '-c' || a.startsWith('--config=')) {
      const value = a.startsWith('--config=') ? a.slice('--config='.length) : argv[++i];
      if (!value) {
        console.error(`${program}: --config needs a file`);
        return { kind: 'exit', code: 2 };
      }
      configFile = value;
      explicit = true;
      continue;
    }
    console.error(`${program}: unknown argument: ${a}\n\n${usage}`);
    return { kind: 'exit', code: 2 };
  }
  return { kind: 'run', configFile, explicit };
}
