import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { call, director } from '../../api.ts';
import { ErrorNote } from '../../components/feedback.ts';
import { queryClient, useMutation, useQuery } from '../../query.ts';
import { queryKeys } from '../../query-keys.ts';
import type { Session, SessionType } from '../../types.ts';

/** POST /v1/sessions: an admin starts a session on a server on behalf of a user. */
export function CreateSessionForm({ onCreated }: { onCreated: (s: Session) => void }) {
  const servers = useQuery({ queryKey: queryKeys.adminServers, queryFn: () => call(director.v1.servers.get()), refetchInterval: 15_000 });
  const [serverId, setServer] = useState('');
  const [userId, setUser] = useState('');
  const [sessionType, setType] = useState<SessionType>('virtual');
  const create = useMutation({
    mutationFn: () => call(director.v1.sessions.post({ serverId, userId: userId.trim(), sessionType })),
    onSuccess: async (created) => {
      onCreated(created.session);
      setUser('');
      await queryClient.invalidateQueries({ queryKey: queryKeys.admin });
    },
  });
  const online = (servers.data?.servers ?? []).filter((s) => s.online);
  const value = (e: Event) => (e.currentTarget as HTMLInputElement | HTMLSelectElement).value;

  return html`<details class="card create-session">
    <summary>Create a session for a user</summary>
    <form class="form-row" onSubmit=${(e: Event) => (e.preventDefault(), create.mutate())}>
      <label class="field"><span>User</span>
        <input name="userId" required autocapitalize="none" spellcheck=${false} value=${userId} onInput=${(e: Event) => setUser(value(e))} />
      </label>
      <label class="field"><span>Server</span>
        <select name="serverId" class="select" required value=${serverId} onChange=${(e: Event) => setServer(value(e))}>
          <option value="">${online.length ? 'Choose a server…' : 'No server online'}</option>
          ${online.map((s) => html`<option key=${s.id} value=${s.id}>${s.id}</option>`)}
        </select>
      </label>
      <label class="field"><span>Type</span>
        <select name="sessionType" class="select" value=${sessionType} onChange=${(e: Event) => setType(value(e) as SessionType)}>
          <option value="virtual">Virtual</option>
          <option value="console">Console</option>
        </select>
      </label>
      <button type="submit" class="btn btn-primary" disabled=${create.isPending || !serverId || !userId.trim()}>${create.isPending ? 'Creating…' : 'Create session'}</button>
    </form>
    <${ErrorNote} error=${create.error} title="The session was not created" />
  </details>`;
}
