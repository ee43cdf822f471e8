import { maintainerScripts, type PackageLayout } from './layout.ts';

/**
 * The rpm spec of a package whose files are already staged in `tree`: %install copies them, nothing is
 * compiled. The executables carry their JavaScript after the ELF part, so nothing may strip them or
 * split out debug info; dependency scanning is off (they need only the C library), and the payload is
 * gzip, which every rpm (RHEL/Rocky 8 and 9 included) reads.
 */
export function rpmSpec(layout: PackageLayout, opts: { version: string; tree: string; level: number; maintainer: string }): string {
  const scripts = maintainerScripts(layout);
  const body = (text: string) => text.replace(/^#!\/bin\/sh\n/, '');
  // The directories of its own: /etc/dcvix (shared with the other package) and its doc directory.
  const docs = `/usr/share/doc/${layout.name}`;
  const dirs = ['/etc/dcvix', ...new Set(layout.files.map((file) => file.to.slice(0, file.to.lastIndexOf('/'))).filter((dir) => dir.startsWith(docs)))];
  if (dirs.length > 1) dirs.splice(1, 0, docs);
  const files = layout.files.map((file) => {
    const mode = file.mode.toString(8).padStart(4, '0');
    if (!file.config) return `%attr(${mode},root,root) ${file.to}`;
    return `%config(noreplace) %attr(${mode},root,${file.config.group ?? 'root'}) ${file.to}`;
  });
  return `Name: ${layout.name}
Version: ${opts.version}
Release: 1
Summary: ${layout.summary}
License: Apache-2.0
Packager: ${opts.maintainer}
AutoReqProv: no
${layout.user ? 'Requires(pre): shadow-utils\n' : ''}%define debug_package %{nil}
%global __os_install_post %{nil}
%global _build_id_links none
%define _binary_payload w${opts.level}.gzdio

%description
${layout.description}

%install
mkdir -p %{buildroot}
cp -a ${opts.tree}/. %{buildroot}/

%pre
${body(scripts.preinst)}
%post
${body(scripts.postinst)}
%preun
${body(scripts.prerm)}
%postun
${body(scripts.postrm)}
%files
${dirs.map((dir) => `%dir ${dir}`).join('\n')}
${files.join('\n')}
`;
}
