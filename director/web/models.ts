import { t } from 'elysia';
import { mediaType } from '../http/models.ts';

/** GET / and /index.html: the app's page (gzip when accepted; 304 while its ETag matches). */
export const WebPage = mediaType('text/html', t.String({ description: 'The web app page' }));
/** GET /assets/{file}: a content-hashed script or style sheet. */
export const WebAsset = mediaType('text/javascript, text/css', t.String({ description: 'Script or style sheet' }));
export const AssetParams = t.Object({ file: t.String({ description: 'name-hash.js or name-hash.css' }) });
