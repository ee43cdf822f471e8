import { afterAll, expect, test } from 'bun:test';
import { chownSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { call } from '../helpers/https.ts';
import { LoggedProcess } from '../helpers/process.ts';
import { run } from '../helpers/run.ts';
import { describeWith } from '../helpers/system-packages.ts';
import { cleanupTempDirs, repoRoot, tempDir } from '../helpers/temp.ts';

/**
 * Issue 25, packages: scripts/build-packages.ts builds the .deb and .rpm of both programs from freshly
 * compiled executables (--fast compression). The .debs are installed here with dpkg, the installed
 * director started as the user the package made, and both removed and purged; the .rpms are checked
 * with `rpm -qlp --scripts` and by running the executable taken out of one. systemd does not run in
 * this container (no /run/systemd/system), so the maintainer scripts skip systemctl and the test runs
 * the unit's command line itself as the unit's user; the units are checked with systemd-analyze verify.
 */
const VERSION = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
const arch = process.arch === 'arm64' ? { deb: 'arm64', rpm: 'aarch64' } : { deb: 'amd64', rpm: 'x86_64' };
const env = { ...process.env, PATH: `${process.env.PATH}:/usr/sbin:/sbin` } as Record<string, string>;

let built: Promise<string> | undefined;
/** The packages, built once for both suites: their directory. */
function packages(formats: string): Promise<string> {
  built ??= (async () => {
    const out = tempDir('dcvix-packages-');
    await run([process.execPath, join(repoRoot, 'scripts/build-packages.ts'), '--out', out, '--fast', '--formats', formats], { env });
    return out;
  })();
  return built;
}
const bothFormats = () => [Bun.which('dpkg-deb') && 'deb', Bun.which('rpmbuild') && 'rpm'].filter(Boolean).join(',');

afterAll(() => cleanupTempDirs());

describeWith(['dpkg'], '.deb packages installed, started and removed', () => {
  const userExisted = Bun.spawnSync(['getent', 'passwd', 'dcvix']).exitCode === 0;
  afterAll(async () => {
    await run(['dpkg', '--purge', 'dcvix-director', 'dcvix-agent'], { env, allowFail: true });
    if (!userExisted) await run(['userdel', 'dcvix'], { env, allowFail: true });
  });

  test('ok: dpkg -i runs the maintainer scripts (user, config group), the programs answer from /usr/bin, the director starts as its user; dpkg -r and --purge take it all away', async () => {
    const out = await packages(bothFormats());
    const debs = ['dcvix-director', 'dcvix-agent'].map((name) => join(out, `${name}_${VERSION}_${arch.deb}.deb`));
    const installed = await run(['dpkg', '-i', ...debs], { env });
    expect(installed.stdout).toContain('dcvix-director: Set token_key');
    expect((await run(['/usr/bin/dcvix-director', '--version'])).stdout).toContain(`dcvix-director ${VERSION}`);
    expect((await run(['/usr/bin/dcvix-agent', '--version'])).stdout).toContain(`dcvix-agent ${VERSION}`);
    expect((await run(['getent', 'passwd', 'dcvix'])).stdout).toMatch(/^dcvix:x:\d+:\d+:dcvix director:\/var\/lib\/dcvix-director:\/usr\/sbin\/nologin/);
    const conf = statSync('/etc/dcvix/dcvix-director.conf');
    expect([(conf.mode & 0o777).toString(8), (await run(['stat', '-c', '%G', '/etc/dcvix/dcvix-director.conf'])).stdout.trim()]).toEqual(['640', 'dcvix']);
    const unit = readFileSync('/usr/lib/systemd/system/dcvix-director.service', 'utf8');
    expect(unit).toContain('ExecStart=/usr/bin/dcvix-director --config /etc/dcvix/dcvix-director.conf');
    expect(unit).toContain('AmbientCapabilities=CAP_NET_BIND_SERVICE');
    expect(unit).toContain('LogsDirectory=dcvix-director');
    expect(readFileSync('/usr/lib/systemd/system/dcvix-agent.service', 'utf8')).toContain('ExecStart=/usr/bin/dcvix-agent --config /etc/dcvix/dcvix-agent.conf');
    if (Bun.which('systemd-analyze')) {
      const verified = await run(['systemd-analyze', 'verify', '/usr/lib/systemd/system/dcvix-director.service', '/usr/lib/systemd/system/dcvix-agent.service'], { env, allowFail: true });
      expect([verified.code, verified.stderr]).toEqual([0, '']);
    }

    // Started the way the unit starts it (its user, its program), on a port and data dir of the test's.
    const dir = tempDir('dcvix-installed-');
    mkdirSync(join(dir, 'data'));
    for (const path of [dir, join(dir, 'data')]) chownSync(path, Number((await run(['id', '-u', 'dcvix'])).stdout), Number((await run(['id', '-g', 'dcvix'])).stdout));
    writeFileSync(join(dir, 'test.conf'), `director_host = "127.0.0.1"\ndirector_port = 0\ndata_dir = "${dir}/data"\npolicy_dir = "/etc/dcvix"\n`);
    const director = new LoggedProcess(
      'installed-director',
      Bun.spawn(['runuser', '-u', 'dcvix', '--', '/usr/bin/dcvix-director', '--config', join(dir, 'test.conf')], { stdout: 'pipe', stderr: 'pipe', env }),
    );
    try {
      const { port } = await director.waitForMsg('director listening', 20_000);
      const health = await call(`https://127.0.0.1:${port}/v1/health`, { ca: readFileSync(join(dir, 'data', 'ca.pem'), 'utf8') });
      expect([health.status, health.json]).toEqual([200, { status: 'ok' }]);
      expect(statSync(join(dir, 'data', 'ca.key')).uid).toBe(Number((await run(['id', '-u', 'dcvix'])).stdout));
    } finally {
      await director.stop();
    }
    // The installed agent runs its self-check (no DCV here: it says so and exits 1).
    const doctor = await run(['/usr/bin/dcvix-agent', 'doctor', '--config', '/etc/dcvix/dcvix-agent.conf'], { env, allowFail: true });
    expect([doctor.code, doctor.stdout]).toEqual([1, expect.stringContaining('[FAIL] DCV (/usr/bin/dcv)')]);

    await run(['dpkg', '-r', 'dcvix-director', 'dcvix-agent'], { env });
    expect([existsSync('/usr/bin/dcvix-director'), existsSync('/usr/lib/systemd/system/dcvix-agent.service'), existsSync('/etc/dcvix/dcvix-director.conf')]).toEqual([false, false, true]);
    const purged = await run(['dpkg', '--purge', 'dcvix-director', 'dcvix-agent'], { env });
    expect(purged.stdout).toContain('/var/lib/dcvix-director (CA key, store) and the user dcvix are kept');
    expect(existsSync('/etc/dcvix/dcvix-director.conf')).toBe(false);
  }, 120_000);
});

describeWith(['rpm'], '.rpm packages', () => {
  test('ok: rpm -qlp --scripts lists the files and the scriptlets; config files are kept on upgrade; the executable inside runs', async () => {
    const out = await packages(bothFormats());
    const rpmFile = join(out, `dcvix-director-${VERSION}-1.${arch.rpm}.rpm`);
    const listed = (await run(['rpm', '-qlp', '--scripts', rpmFile], { env })).stdout;
    for (const path of ['/usr/bin/dcvix-director', '/usr/lib/systemd/system/dcvix-director.service', '/etc/dcvix/dcvix-director.conf', '/etc/dcvix/users.json', '/etc/dcvix/pools.json'])
      expect([path, listed.includes(`\n${path}\n`)]).toEqual([path, true]);
    expect(listed).toContain('preinstall scriptlet (using /bin/sh):');
    expect(listed).toContain('useradd --system --gid dcvix --home-dir /var/lib/dcvix-director');
    expect(listed).toContain('postinstall scriptlet (using /bin/sh):');
    expect(listed).toMatch(/preuninstall scriptlet[\s\S]*systemctl disable --now dcvix-director\.service/);
    const modes = (await run(['rpm', '-qp', '--qf', '[%{FILEMODES:perms} %{FILEUSERNAME}:%{FILEGROUPNAME} %{FILEFLAGS:fflags} %{FILENAMES}\\n]', rpmFile], { env })).stdout;
    expect(modes).toContain('-rw-r----- root:dcvix cn /etc/dcvix/dcvix-director.conf');
    expect(modes).toContain('-rwxr-xr-x root:root  /usr/bin/dcvix-director');
    const agentFiles = (await run(['rpm', '-qlp', join(out, `dcvix-agent-${VERSION}-1.${arch.rpm}.rpm`)], { env })).stdout;
    expect(agentFiles).toContain('/usr/bin/dcvix-agent\n');
    // Not stripped on the way (the JavaScript sits after the ELF part): the executable taken out of the rpm runs.
    const unpacked = tempDir('dcvix-rpm-');
    await run(['sh', '-c', `rpm2archive - < '${rpmFile}' | tar -xz -C '${unpacked}'`], { env });
    expect((await run([join(unpacked, 'usr/bin/dcvix-director'), '--version'])).stdout).toContain(`dcvix-director ${VERSION}`);
  }, 120_000);
});
