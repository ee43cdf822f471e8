import { html } from 'htm/preact';
import { navigate, type Route } from '../../router.ts';
import type { Session } from '../../types.ts';

export const FILTER_KEYS = ['user', 'server', 'pool', 'state'] as const;
export type SessionFilters = Record<(typeof FILTER_KEYS)[number], string>;

/** The session's state as the filter names it: orphaned, unmanaged, or the agent's status. */
export const stateOf = (s: Session): string => (s.orphaned ? 'orphaned' : s.unmanaged ? 'unmanaged' : s.status ?? 'running');

/** The filters in the address (#/admin/sessions?user=alice&state=orphaned), so a filtered view can be linked. */
export const filtersOf = (route: Route): SessionFilters => Object.fromEntries(FILTER_KEYS.map((k) => [k, route.params.get(k) ?? ''])) as SessionFilters;

/** Sessions matching every filter set (exact match; "(none)" for a session not from a pool). */
export function applyFilters(sessions: Session[], f: SessionFilters): Session[] {
  return sessions.filter(
    (s) =>
      (!f.user || s.owner === f.user) &&
      (!f.server || s.serverId === f.server) &&
      (!f.pool || (f.pool === '(none)' ? !s.pool : s.pool === f.pool)) &&
      (!f.state || stateOf(s) === f.state),
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
  const set = (k: keyof SessionFilters) => (e: Event) => {
    const next = { ...filters, [k]: (e.currentTarget as HTMLSelectElement).value };
    const p = new URLSearchParams(Object.entries(next).filter(([, v]) => v)).toString();
    navigate(`/admin/sessions${p ? `?${p}` : ''}`, true);
  };
  return html`<form class="card form-row filters" role="search" aria-label="Filter sessions" onSubmit=${(e: Event) => e.preventDefault()}>
    ${FILTER_KEYS.map((k) => {
      const opts = filters[k] && !options[k].includes(filters[k]) ? [...options[k], filters[k]] : options[k];
      return html`<label class="field" key=${k}><span>${labels[k]}</span>
        <select name=${k} class="select" value=${filters[k]} onChange=${set(k)}>
          <option value="">Any</option>
          ${opts.map((v) => html`<option key=${v} value=${v}>${v}</option>`)}
        </select>
      </label>`;
    })}
    ${FILTER_KEYS.some((k) => filters[k]) ? html`<button type="button" class="btn btn-quiet" onClick=${() => navigate('/admin/sessions', true)}>Clear filters</button>` : null}
  </form>`;
}
