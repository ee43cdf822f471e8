import { dcvRegistrySource } from '../windows/dcv-registry.ts';
import { type DcvConfigSource, dcvConfFile } from './dcv-conf.ts';

/** The `dcv_conf_file` value that means "DCV's settings in the Windows registry". */
export const DCV_REGISTRY_SOURCE = 'registry';

/** Where the self-check reads DCV's settings, as `dcv_conf_file` says; undefined when it is "" (no self-check). */
export function dcvConfigSource(setting: string): DcvConfigSource | undefined {
  if (!setting) return undefined;
  return setting === DCV_REGISTRY_SOURCE ? dcvRegistrySource() : dcvConfFile(setting);
}
