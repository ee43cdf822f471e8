/**
 * Builds the public Go dcvix agent (tests/fixtures/go-dcvix-agent: its source at commit 2519c47, MIT,
 * plus a small patch so Go 1.19 builds it) for the interop tests, offline: Debian's golang-go and
 * Debian's packaged Go libraries in GOPATH mode, no module proxy (.ci/install-system-packages.sh
 * installs them). The libraries are older than the agent's go.mod asks for; they build and behave on
 * the wire as the agent expects. The binary is kept under node_modules/.cache, named by a hash of the
 * tarball, the patch and the build flags, so only the first run pays for the build (about 5 s).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './run.ts';
import { repoRoot, tempDir } from './temp.ts';

const FIXTURE = join(repoRoot, 'tests/fixtures/go-dcvix-agent');
const TARBALL = join(FIXTURE, 'dcvix-agent-2519c47.tar.gz');
const PATCH = join(FIXTURE, 'go119-compat.patch');
const DEBIAN_GO = '/usr/lib/go-1.19/bin/go';
const GO_LIBRARIES = ['github.com/sirupsen/logrus', 'github.com/shirou/gopsutil', 'gopkg.in/ini.v1', 'gopkg.in/natefinch/lumberjack.v2', 'golang.org/x/sys'];
const VERSION_FLAGS = '-X github.com/dcvix/dcvix-agent/internal/version.Version=0.1.0 -X github.com/dcvix/dcvix-agent/internal/version.Commit=2519c47+go119-compat';

const goBinary = () => (existsSync(DEBIAN_GO) ? DEBIAN_GO : Bun.which('go'));

/** What the build needs and this machine lacks (empty when it can build). */
export function goAgentBuildMissing(): string[] {
  const missing: string[] = [];
  if (!goBinary()) missing.push('go (golang-go)');
  for (const tool of ['tar', 'patch']) if (!Bun.which(tool)) missing.push(tool);
  for (const library of GO_LIBRARIES) if (!existsSync(join('/usr/share/gocode/src', library))) missing.push(`Go library ${library}`);
  return missing;
}

/** The Go agent's binary, built now unless an identical build is cached; returns its path. */
export async function buildGoAgent(): Promise<string> {
  const hash = createHash('sha256').update(readFileSync(TARBALL)).update(readFileSync(PATCH)).update(VERSION_FLAGS).digest('hex').slice(0, 16);
  const cacheDir = join(repoRoot, 'node_modules/.cache/go-dcvix-agent', hash);
  const binary = join(cacheDir, 'dcvix-agent');
  if (existsSync(binary)) return binary;
  const missing = goAgentBuildMissing();
  if (missing.length) throw new Error(`cannot build the Go dcvix agent, missing: ${missing.join(', ')} (run .ci/install-system-packages.sh)`);

  const work = tempDir('go-dcvix-build-');
  try {
    const src = join(work, 'gopath/src/github.com/dcvix');
    mkdirSync(src, { recursive: true });
    await run(['tar', '-xzf', TARBALL, '-C', src]);
    const module = join(src, 'dcvix-agent');
    await run(['patch', '-s', '-p1', '-d', module, '-i', PATCH]);
    const built = join(work, 'dcvix-agent');
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: work,
      GO111MODULE: 'off',
      GOPATH: `${join(work, 'gopath')}:/usr/share/gocode`,
      GOPROXY: 'off',
      GOFLAGS: '',
      CGO_ENABLED: '0',
      GOCACHE: join(work, 'cache'),
    } as Record<string, string>;
    // GOPATH mode resolves imports from the directory the build runs in.
    const build = Bun.spawn([goBinary()!, 'build', '-o', built, '-ldflags', VERSION_FLAGS, './cmd/dcvix-agent'], { cwd: module, env, stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' });
    const [stderr, code] = await Promise.all([new Response(build.stderr).text(), build.exited]);
    if (code !== 0) throw new Error(`go build of the Go dcvix agent exited ${code}: ${stderr}`);
    // Renamed into place whole: a test file running alongside never sees half a binary.
    mkdirSync(cacheDir, { recursive: true });
    renameSync(built, binary);
    return binary;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
