export { LoggedProcess } from '../../scripts/lib/logged-process.ts';
