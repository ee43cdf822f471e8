/** One file in a backup: where it belongs (store/..., data/..., etc/...), its mode and its bytes. */
export interface BundleEntry {
  name: string;
  mode: number;
  data: Uint8Array;
}

/** What a backup says about itself (readable once it is opened). */
export interface BundleInfo {
  createdAt: number;
  /** The director release that made it. */
  version: string;
  store: 'sqlite' | 'postgres';
  /** The newest schema version recorded in the snapshot (sqlite only). */
  schemaVersion?: number;
}

interface Manifest extends BundleInfo {
  entries: { name: string; mode: number; size: number }[];
}

/** store/agents.db, data/<a path in data_dir>, etc/<a file name>: nothing else, nothing that climbs out. */
const ENTRY_NAME = /^(store\/agents\.db|data\/[^\0]+|etc\/[^/\0]+)$/;
const safeName = (name: string) => ENTRY_NAME.test(name) && !name.split('/').some((part) => part === '..' || part === '.' || part === '');

/** The entries as one byte string: a 4-byte length, the manifest (JSON), then each entry's bytes in order. */
export function packBundle(info: BundleInfo, entries: BundleEntry[]): Uint8Array {
  const manifest: Manifest = { ...info, entries: entries.map(({ name, mode, data }) => ({ name, mode, size: data.length })) };
  const head = Buffer.from(JSON.stringify(manifest));
  const length = Buffer.alloc(4);
  length.writeUInt32BE(head.length);
  return Buffer.concat([length, head, ...entries.map((entry) => entry.data)]);
}

/**
 * The entries of an opened bundle. The bytes were authenticated already, so a mismatch here means a
 * file this code did not write.
 * @throws Error when the manifest does not describe the bytes, or names a path outside the three areas
 */
export function unpackBundle(bytes: Uint8Array): { info: BundleInfo; entries: BundleEntry[] } {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headLength = buffer.readUInt32BE(0);
  const manifest = JSON.parse(buffer.subarray(4, 4 + headLength).toString()) as Manifest;
  let at = 4 + headLength;
  const entries = manifest.entries.map(({ name, mode, size }) => {
    if (!safeName(name)) throw new Error(`the backup names a file outside data_dir and the config files: ${JSON.stringify(name)}`);
    const data = buffer.subarray(at, at + size);
    at += size;
    return { name, mode: mode & 0o777, data };
  });
  if (at !== buffer.length) throw new Error('the backup manifest does not match its contents');
  const { entries: _listed, ...info } = manifest;
  return { info, entries };
}
