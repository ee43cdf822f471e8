/**
 * A pool's launch settings: what the director adds to the agent's create request (POST /v1/sessions on
 * 8446) for a session placed through that pool, and what the agent passes to `dcv create-session`:
 *
 *   init                  --init <script>               script a virtual session runs at start (absolute path)
 *   storageRoot           --storage-root <dir>          folder for the session's file storage (absolute path)
 *   gl                    --gl on|off                   DCV's OpenGL for a virtual session
 *   maxConcurrentClients  --max-concurrent-clients N    clients that may connect at once, 1 to MAX_CONCURRENT_CLIENTS
 *
 * Every one is optional; an agent that does not know them (the public Go dcvix agent) ignores them and
 * creates the session without. dcv runs as root, so each is checked by the wire model on the agent's
 * route, again right before the agent spawns dcv, and in the policy when it is loaded.
 */
import { Type } from '@sinclair/typebox';
import { AbsolutePath, isAbsolutePath } from './agent-wire.ts';
import { coded } from './coded.ts';
import type { ErrorCode } from './error-codes.ts';

/** Most clients a pool may let connect to one session at once. */
const MAX_CONCURRENT_CLIENTS = 1000;

export interface LaunchSettings {
  init?: string;
  storageRoot?: string;
  gl?: 'on' | 'off';
  maxConcurrentClients?: number;
}

/** The create request's launch fields, each with the error code a bad value answers. */
export const LaunchSettingFields = {
  init: Type.Optional(coded('INVALID_INIT', AbsolutePath('Script the virtual session runs at start (dcv --init): an absolute path'))),
  storageRoot: Type.Optional(coded('INVALID_STORAGE_ROOT', AbsolutePath('Folder for the session storage (dcv --storage-root): an absolute path'))),
  gl: Type.Optional(coded('INVALID_GL', Type.Union([Type.Literal('on'), Type.Literal('off')], { description: 'OpenGL for the virtual session (dcv --gl)' }))),
  maxConcurrentClients: Type.Optional(
    coded('INVALID_MAX_CONCURRENT_CLIENTS', Type.Integer({ minimum: 1, maximum: MAX_CONCURRENT_CLIENTS, description: 'Clients that may connect at once (dcv --max-concurrent-clients)' })),
  ),
};

interface Rule {
  code: ErrorCode;
  holds: (value: unknown) => boolean;
  must: string;
}

const PATH_RULE = 'must be an absolute path (starting with /, on one line, no control characters)';
const RULES: Record<keyof LaunchSettings, Rule> = {
  init: { code: 'INVALID_INIT', holds: isAbsolutePath, must: PATH_RULE },
  storageRoot: { code: 'INVALID_STORAGE_ROOT', holds: isAbsolutePath, must: PATH_RULE },
  gl: { code: 'INVALID_GL', holds: (value) => value === 'on' || value === 'off', must: 'must be "on" or "off"' },
  maxConcurrentClients: {
    code: 'INVALID_MAX_CONCURRENT_CLIENTS',
    holds: (value) => Number.isInteger(value) && (value as number) >= 1 && (value as number) <= MAX_CONCURRENT_CLIENTS,
    must: `must be a whole number from 1 to ${MAX_CONCURRENT_CLIENTS}`,
  },
};

/** A launch setting that breaks its rule: which one, its error code, and what it must be. */
interface LaunchSettingProblem {
  field: keyof LaunchSettings;
  code: ErrorCode;
  must: string;
}

/** The first setting present in `settings` that breaks its rule, or undefined when all are fine. */
export function launchSettingProblem(settings: Readonly<Partial<Record<keyof LaunchSettings, unknown>>>): LaunchSettingProblem | undefined {
  for (const field of Object.keys(RULES) as (keyof LaunchSettings)[]) {
    const value = settings[field];
    const rule = RULES[field];
    if (value !== undefined && !rule.holds(value)) return { field, code: rule.code, must: rule.must };
  }
  return undefined;
}
