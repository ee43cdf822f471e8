import { html } from 'htm/preact';
import { call, director } from '../api.ts';
import { useQuery } from '../query.ts';
import { queryKeys } from '../query-keys.ts';
import { Note } from './feedback.ts';

/**
 * Admin pages, several directors on one store: a warning while they run different policies (from
 * GET /v1/admin/directors), naming each director and the start of its policy hash. Shows nothing
 * while they agree, on a single director, or when the call fails (the pages report their own errors).
 */
export function PolicyWarning() {
  const directorsQuery = useQuery({ queryKey: queryKeys.adminDirectors, queryFn: () => call(director.v1.admin.directors.get()), refetchInterval: 15_000, retry: false });
  if (!directorsQuery.data || directorsQuery.data.policyConsistent) return null;
  return html`<${Note} tone="warning">
    <strong class="note-title">Directors disagree on the policy</strong>
    <p>${directorsQuery.data.warning ?? 'The directors run with different policies.'}</p>
    <p>${directorsQuery.data.directors.map((d, i) => html`${i ? ', ' : ''}<span>${d.name}${d.self ? ' (this one)' : ''}: <code>${d.policyHash.slice(0, 12)}</code></span>`)}</p>
  <//>`;
}
