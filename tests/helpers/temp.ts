export { cleanupTempDirs, repoRoot, tempDir } from '../../scripts/lib/temp.ts';
