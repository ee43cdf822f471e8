#!/usr/bin/env bun
/**
 * bun scripts/build-packages.ts: .deb and .rpm packages of the director and the agent from the single-file
 * executables in dist/ (built first with scripts/build.ts unless --no-build), with the systemd units,
 * the system user and the example configs (scripts/packages/layout.ts). Debian's tools build both:
 * dpkg-deb, and rpmbuild from the `rpm` package.
 */
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { exitOnHelp } from './lib/help.ts';
import { LAYOUTS, maintainerScripts, packagedUnit, type PackageLayout } from './packages/layout.ts';
import { rpmSpec } from './packages/rpm-spec.ts';

const USAGE = `Usage: bun scripts/build-packages.ts [--out DIR] [--no-build] [--formats deb,rpm] [--fast]
  Builds dcvix-director and dcvix-agent as .deb and .rpm into DIR (default dist/packages).
  --no-build   package the executables already in dist/ instead of running scripts/build.ts first
  --formats    deb, rpm or both (default both); each needs its tool (dpkg-deb; rpmbuild from the rpm package)
  --fast       gzip level 1 instead of 6 (tests): larger files, a fraction of the time
  Environment: DCVIX_PACKAGE_MAINTAINER, the Maintainer/Packager field (default "dcvix-ts <root@localhost>")`;
exitOnHelp(USAGE);

const root = resolve(import.meta.dir, '..');
const args = process.argv.slice(2);
const option = (name: string) => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
};
const out = resolve(option('--out') ?? join(root, 'dist/packages'));
const formats = (option('--formats') ?? 'deb,rpm').split(',');
if (formats.some((format) => format !== 'deb' && format !== 'rpm')) throw new Error(`--formats takes deb, rpm or both\n${USAGE}`);

const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
const level = args.includes('--fast') ? 1 : 6;
const maintainer = process.env.DCVIX_PACKAGE_MAINTAINER || 'dcvix-ts <root@localhost>';
const machine = process.arch === 'arm64' ? { deb: 'arm64', rpm: 'aarch64' } : { deb: 'amd64', rpm: 'x86_64' };

function sh(argv: string[], cwd = root): void {
  const proc = Bun.spawnSync(argv, { cwd, stdout: 'pipe', stderr: 'pipe' });
  if (proc.exitCode !== 0) throw new Error(`${argv.join(' ')} failed (${proc.exitCode}):\n${proc.stdout.toString()}${proc.stderr.toString()}`);
}

/** The package's files under `tree` as they will be installed. */
function stage(layout: PackageLayout, tree: string): void {
  for (const file of layout.files) {
    const target = join(tree, file.to);
    mkdirSync(dirname(target), { recursive: true });
    const source = file.from.startsWith('dcvix-') ? join(root, 'dist', file.from) : join(root, file.from);
    if (file.to.endsWith('.service')) writeFileSync(target, packagedUnit(readFileSync(source, 'utf8')));
    else copyFileSync(source, target);
    chmodSync(target, file.mode);
  }
}

function buildDeb(layout: PackageLayout, work: string): string {
  const tree = join(work, 'deb');
  stage(layout, tree);
  const control = join(tree, 'DEBIAN');
  mkdirSync(control, { recursive: true });
  const description = layout.description
    .split('\n')
    .map((line) => ` ${line}`)
    .join('\n');
  writeFileSync(
    join(control, 'control'),
    `Package: ${layout.name}\nVersion: ${version}\nArchitecture: ${machine.deb}\nMaintainer: ${maintainer}\nSection: net\nPriority: optional\nDepends: libc6, passwd\nDescription: ${layout.summary}\n${description}\n`,
  );
  const conffiles = layout.files.filter((file) => file.config).map((file) => file.to);
  if (conffiles.length) writeFileSync(join(control, 'conffiles'), `${conffiles.join('\n')}\n`);
  for (const [name, text] of Object.entries(maintainerScripts(layout))) {
    writeFileSync(join(control, name), text);
    chmodSync(join(control, name), 0o755);
  }
  const file = join(out, `${layout.name}_${version}_${machine.deb}.deb`);
  // gzip, not xz: the executables are ~110 MB each and xz takes minutes on them.
  sh(['dpkg-deb', '--root-owner-group', '-Zgzip', `-z${level}`, '--build', tree, file]);
  return file;
}

function buildRpm(layout: PackageLayout, work: string): string {
  const top = join(work, 'rpm');
  const tree = join(top, 'tree');
  stage(layout, tree);
  for (const dir of ['SPECS', 'RPMS', 'BUILD', 'BUILDROOT']) mkdirSync(join(top, dir), { recursive: true });
  const spec = join(top, 'SPECS', `${layout.name}.spec`);
  writeFileSync(spec, rpmSpec(layout, { version, tree, level, maintainer }));
  sh(['rpmbuild', '-bb', '--target', machine.rpm, '--define', `_topdir ${top}`, '--define', '_build_name_fmt %{NAME}-%{VERSION}-%{RELEASE}.%{ARCH}.rpm', spec]);
  const file = join(out, `${layout.name}-${version}-1.${machine.rpm}.rpm`);
  copyFileSync(join(top, 'RPMS', `${layout.name}-${version}-1.${machine.rpm}.rpm`), file);
  return file;
}

if (!args.includes('--no-build')) sh([process.execPath, 'run', join(root, 'scripts/build.ts')]);
mkdirSync(out, { recursive: true });
for (const layout of LAYOUTS) {
  for (const format of formats) {
    const work = mkdtempSync(join(tmpdir(), `dcvix-${format}-`));
    try {
      const started = performance.now();
      const file = format === 'deb' ? buildDeb(layout, work) : buildRpm(layout, work);
      console.log(`${file}  (${Math.round(performance.now() - started)} ms)`);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
}
