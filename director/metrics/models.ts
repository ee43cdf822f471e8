import { t } from 'elysia';
import { mediaType } from '../http/models.ts';

/** GET /metrics: Prometheus text exposition. */
export const MetricsAnswer = mediaType('text/plain', t.String({ description: 'Prometheus text format 0.0.4' }));
