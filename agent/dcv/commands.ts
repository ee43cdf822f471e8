/**
 * The `dcv` commands the agent uses, as argv arrays over a DcvRunner. Every argument is validated again
 * here, right before spawning, even though the HTTP layer already did: dcv runs as root.
 */
import { ApiError, badRequest } from '../../shared/errors.ts';
import {
  CONFIG_KEY_RE,
  CONFIG_SECTION_RE,
  SESSION_NAME_MAX,
  isConfigValue,
  isSafeArg,
  isSessionId,
  isSessionType,
  isSessionOwner,
  type DcvSession,
  type SessionType,
} from '../../shared/api/agent-wire.ts';
import { launchSettingProblem, type LaunchSettings } from '../../shared/api/launch-settings.ts';
import { isPng, SCREENSHOT_MAX_BYTES, SCREENSHOT_MAX_SIDE, SCREENSHOT_MIN_SIDE, type ScreenshotSize } from '../../shared/api/screenshot.ts';
import type { DcvRunner } from './runner.ts';
import { isAbsolute } from 'node:path';
import { parseScreenshotJson } from './parse-screenshot.ts';
import { parseSessionsJson } from './parse-sessions.ts';

/**
 * A file the agent made on this host (a permissions file) as one dcv argv token: absolute by this
 * platform's rules (C:\... on Windows), single-line, never read as an option.
 */
const isLocalFile = (path: string) => isAbsolute(path) && isSafeArg(path, 4096);

/** Longest dcv output quoted in an error message. */
export const DCV_ERROR_TEXT_MAX = 500;

/** dcv exited non-zero; the message is dcv's own stdout+stderr (e.g. "All licenses in use"). */
export class DcvError extends ApiError {
  constructor(
    readonly command: string,
    readonly exitCode: number,
    readonly output: string,
  ) {
    super(502, 'DCV_FAILED', `dcv ${command} failed (exit ${exitCode}): ${output || 'no output'}`);
    this.name = 'DcvError';
  }
}

export interface CreateSessionOptions extends LaunchSettings {
  id: string;
  owner: string;
  type: SessionType;
  name?: string;
  /** Absolute path of a DCV permissions file. */
  permissionsFile?: string;
}

/** The DCV operations an agent needs; the reaper and HTTP routes depend on this shape only. */
export interface DcvSessions {
  listSessions(): Promise<DcvSession[]>;
  closeSession(id: string): Promise<void>;
}

/** Typed wrapper over the dcv CLI. */
export class DcvClient implements DcvSessions {
  constructor(private readonly runner: DcvRunner) {}

  /**
   * `dcv create-session --type <t> --owner <u> [--name <n>] [--permissions-file <f>] [--storage-root <dir>]
   * [--init <script>] [--gl on|off] [--max-concurrent-clients <n>] <id>`
   */
  async createSession(options: CreateSessionOptions): Promise<void> {
    checkId(options.id);
    if (!isSessionOwner(options.owner)) throw badRequest('INVALID_USER', 'invalid session owner');
    if (!isSessionType(options.type)) throw badRequest('INVALID_SESSION_TYPE', 'session type must be console or virtual');
    if (options.name !== undefined && !isSafeArg(options.name, SESSION_NAME_MAX)) {
      throw badRequest('INVALID_SESSION_NAME', 'invalid session name');
    }
    if (options.permissionsFile !== undefined && !isLocalFile(options.permissionsFile)) {
      throw badRequest('INVALID_PERMISSIONS_FILE', 'permissions file must be an absolute path');
    }
    const problem = launchSettingProblem(options);
    if (problem) throw badRequest(problem.code, `${problem.field} ${problem.must}`);
    await this.exec([
      'create-session',
      '--type',
      options.type,
      '--owner',
      options.owner,
      ...(options.name !== undefined ? ['--name', options.name] : []),
      ...(options.permissionsFile !== undefined ? ['--permissions-file', options.permissionsFile] : []),
      ...(options.storageRoot !== undefined ? ['--storage-root', options.storageRoot] : []),
      ...(options.init !== undefined ? ['--init', options.init] : []),
      ...(options.gl !== undefined ? ['--gl', options.gl] : []),
      ...(options.maxConcurrentClients !== undefined ? ['--max-concurrent-clients', String(options.maxConcurrentClients)] : []),
      options.id,
    ]);
  }

  /** `dcv list-sessions --json`, parsed tolerantly. Unparseable output -> ApiError 502 DCV_BAD_OUTPUT. */
  async listSessions(): Promise<DcvSession[]> {
    const stdout = await this.exec(['list-sessions', '--json']);
    try {
      return parseSessionsJson(stdout);
    } catch {
      throw new ApiError(502, 'DCV_BAD_OUTPUT', `dcv list-sessions printed no JSON: ${clip(stdout)}`);
    }
  }

  /** `dcv close-session <id>` */
  async closeSession(id: string): Promise<void> {
    checkId(id);
    await this.exec(['close-session', id]);
  }

  /**
   * `dcv get-screenshot --max-width <w> --max-height <h> --format PNG --json <id>`: the PNG bytes. Output
   * without a PNG of at most SCREENSHOT_MAX_BYTES -> ApiError 502 DCV_BAD_OUTPUT.
   */
  async getScreenshot(id: string, size: ScreenshotSize): Promise<Uint8Array<ArrayBuffer>> {
    checkId(id);
    const within = (n: number) => Number.isInteger(n) && n >= SCREENSHOT_MIN_SIDE && n <= SCREENSHOT_MAX_SIDE;
    if (!within(size.width) || !within(size.height)) throw badRequest('INVALID_SCREENSHOT_SIZE', `screenshot sides must be ${SCREENSHOT_MIN_SIDE} to ${SCREENSHOT_MAX_SIDE} pixels`);
    const stdout = await this.exec(['get-screenshot', '--max-width', String(size.width), '--max-height', String(size.height), '--format', 'PNG', '--json', id]);
    let image: Uint8Array<ArrayBuffer>;
    try {
      image = parseScreenshotJson(stdout);
    } catch (err) {
      throw new ApiError(502, 'DCV_BAD_OUTPUT', `dcv get-screenshot printed no image (${(err as Error).message}): ${clip(stdout.slice(0, 200))}`);
    }
    if (!isPng(image)) throw new ApiError(502, 'DCV_BAD_OUTPUT', 'dcv get-screenshot printed an image that is not a PNG');
    if (image.length > SCREENSHOT_MAX_BYTES) throw new ApiError(502, 'DCV_BAD_OUTPUT', `dcv get-screenshot printed a PNG of ${image.length} bytes, more than ${SCREENSHOT_MAX_BYTES}`);
    return image;
  }

  /** `dcv set-permissions --session <id> --file <f>`: the session's permissions from now on are the file's. */
  async setPermissions(id: string, file: string): Promise<void> {
    checkId(id);
    if (!isLocalFile(file)) throw badRequest('INVALID_PERMISSIONS_FILE', 'permissions file must be an absolute path');
    await this.exec(['set-permissions', '--session', id, '--file', file]);
  }

  /** `dcv set-config --section <s> --key <k> <value>`; value is a typed literal (see config-literal.ts). */
  async setConfig(section: string, key: string, value: string): Promise<void> {
    if (!CONFIG_SECTION_RE.test(section) || !CONFIG_KEY_RE.test(key) || !isConfigValue(value)) {
      throw badRequest('INVALID_CONFIG', 'invalid config section, key or value');
    }
    await this.exec(['set-config', '--section', section, '--key', key, value]);
  }

  /** `dcv version`: the DCV server's version as `2024.0 (r18131)`. Output without one -> ApiError 502 DCV_BAD_OUTPUT. */
  async version(): Promise<string> {
    const stdout = await this.exec(['version']);
    const found = /DCV\s+(\d{4}\.\d+(?:\.\d+)?)(?:\s+\((r\d+)\))?/.exec(stdout);
    if (!found) throw new ApiError(502, 'DCV_BAD_OUTPUT', `dcv version printed no version: ${clip(stdout.slice(0, 200))}`);
    return found[2] ? `${found[1]} (${found[2]})` : found[1]!;
  }

  /** Runs dcv and returns stdout; a non-zero exit becomes a DcvError. */
  private async exec(args: string[]): Promise<string> {
    const result = await this.runner.run(args);
    if (result.code !== 0) throw new DcvError(args[0] ?? '', result.code, clip(`${result.stdout.trim()}\n${result.stderr.trim()}`.trim()));
    return result.stdout;
  }
}

function checkId(id: string): void {
  if (!isSessionId(id)) throw badRequest('INVALID_SESSION_ID', 'invalid session id');
}

/** Bounds text quoted in an error and folds it onto one line. */
function clip(text: string): string {
  const one = text
    .replace(/\s*\n\s*/g, ' | ')
    .replace(/[\u0000-\u001f\u007f]/g, ' ')
    .trim();
  return one.length > DCV_ERROR_TEXT_MAX ? `${one.slice(0, DCV_ERROR_TEXT_MAX)}...` : one;
}
