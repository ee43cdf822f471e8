import { describe, expect, test } from 'bun:test';
import { join } from 'node:path';

describe('the generated Session Manager types', () => {
  test('ok: api-types.d.ts is what openapi-typescript makes of the YAML now (scripts/session-manager-types.ts --check)', () => {
    const result = Bun.spawnSync([process.execPath, join(import.meta.dir, '../../scripts/session-manager-types.ts'), '--check'], { stdout: 'pipe', stderr: 'pipe' });
    expect(result.stderr.toString()).toBe('');
    expect(result.exitCode).toBe(0);
  });
});
