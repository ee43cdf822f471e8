import { html } from 'htm/preact';
import { navigate, type Route } from '../../router.ts';
import type { Session } from '../../types.ts';

export const FILTER_KEYS = ['user', 'server', 'pool', 'state'] as const;
export type SessionFilters = Record<(typeof FILTER_KEYS)[number], string>;

/** The session's state as the filter names it: orphaned, unmanaged, or the agent's status. */
export const stateOf = (s: Session): string => (s.orphaned ? 'orphaned' : s.unmanaged ? 'unmanaged' : (s.status ?? 'running'));

/** The filters in the address (#/admin/sessions?user=alice&state=orphaned), so a filtered view can be linked. */
export const filtersOf = (route: Route): SessionFilters => Object.fromEntries(FILTER_KEYS.map((k) => [k, route.params.get(k) ?? ''])) as SessionFilters;

/** Sessions matching every filter set (exact match; "(none)" for a session not from a pool). */
export function applyFilters(sessions: Session[], filters: SessionFilters): Session[] {
  return sessions.filter(
    (s) =>
      (!filters.user || s.owner === filters.user) &&
      (!filters.server || s.serverId === filters.server) &&
      (!filters.pool || (filters.pool === '(none)' ? !s.pool : s.pool === filters.pool)) &&
      (!filters.state || stateOf(s) === filters.state),
  );
}

const values = (sessions: Session[], pick: (s: Session) => string | null | undefined) => [...new Set(sessions.map(pick).filter((v): v is string => !!v))].sort();

/** Four selects built from the sessions present; each change updates the address at once. */
export function SessionFilterBar({ sessions, filters }: { sessions: Session[]; filters: SessionFilters }) {
  const options: Record<keyof SessionFilters, string[]> = {
    user: values(sessions, (s) => s.owner),
    server: values(sessions, (s) => s.serverId),
    pool: [...values(sessions, (s) => s.pool), '(none)'],
    state: values(sessions, stateOf),
  };
  const labels: Record<keyof SessionFilters, string> = { user: 'User', server: 'Server', pool: 'Pool', state: 'State' };
  const set = (k: keyof SessionFilters) => (event: Event) => {
    const next = { ...filters, [k]: (event.currentTarget as HTMLSelectElement).value };
    const search = new URLSearchParams(Object.entries(next).filter(([, v]) => v)).toString();
    navigate(`/admin/sessions${search ? `?${search}` : ''}`, true);
  };
  return html`<form class="card form-row filters" role="search" aria-label="Filter sessions" onSubmit=${(e: Event) => e.preventDefault()}>
    ${FILTER_KEYS.map((filterKey) => {
      const opts = filters[filterKey] && !options[filterKey].includes(filters[filterKey]) ? [...options[filterKey], filters[filterKey]] : options[filterKey];
      return html`<label class="field" key=${filterKey}><span>${labels[filterKey]}</span>
        <select name=${filterKey} class="select" value=${filters[filterKey]} onChange=${set(filterKey)}>
          <option value="">Any</option>
          ${opts.map((v) => html`<option key=${v} value=${v}>${v}</option>`)}
        </select>
      </label>`;
    })}
    ${FILTER_KEYS.some((k) => filters[k]) ? html`<button type="button" class="btn btn-quiet" onClick=${() => navigate('/admin/sessions', true)}>Clear filters</button>` : null}
  </form>`;
}
