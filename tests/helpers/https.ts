export { call, eventually, login, type Call } from '../../scripts/lib/https.ts';
