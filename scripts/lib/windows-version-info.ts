/**
 * Version metadata (the Explorer "Details" tab, `(Get-Item x.exe).VersionInfo`) for the Windows agent.
 * Bun refuses --windows-version and --windows-title when it cross-compiles, and resedit cannot rewrite
 * a compiled executable (Bun's payload section follows the resource section), so the metadata goes into
 * a copy of the Windows runtime before `bun build --compile` takes that copy as its base.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as ResEdit from 'resedit';

/** What the version resource says: `version` as a.b.c (package.json), `commit` shown in the product version. */
export interface WindowsVersionInfo {
  version: string;
  commit: string;
  description: string;
  originalFilename: string;
}

/** US English, Unicode: the language and code page Windows shows by default. */
const LANG = { lang: 1033, codepage: 1200 };

/** Writes `runtime` with `info` as its version resource to `outfile` (the certificate is dropped: the bytes change). */
export function stampWindowsRuntime(runtime: string, outfile: string, info: WindowsVersionInfo): void {
  const exe = ResEdit.NtExecutable.from(readFileSync(runtime), { ignoreCert: true });
  const resources = ResEdit.NtExecutableResource.from(exe);
  // Bun's own version entries (any language) go: the agent's replace them.
  resources.entries = resources.entries.filter((entry) => entry.type !== 16);
  const versionInfo = ResEdit.Resource.VersionInfo.createEmpty();
  const [major = 0, minor = 0, patch = 0] = info.version.split(/[.+-]/).map((part) => Number.parseInt(part, 10) || 0);
  versionInfo.setFileVersion(major, minor, patch, 0, LANG.lang);
  versionInfo.setProductVersion(major, minor, patch, 0, LANG.lang);
  versionInfo.setStringValues(LANG, {
    CompanyName: 'dcvix',
    ProductName: 'dcvix',
    FileDescription: info.description,
    FileVersion: info.version,
    ProductVersion: `${info.version} (commit ${info.commit})`,
    OriginalFilename: info.originalFilename,
    InternalName: info.originalFilename.replace(/\.exe$/, ''),
    LegalCopyright: 'Apache-2.0',
  });
  versionInfo.outputToResourceEntries(resources.entries);
  resources.outputResource(exe);
  writeFileSync(outfile, Buffer.from(exe.generate()));
}
