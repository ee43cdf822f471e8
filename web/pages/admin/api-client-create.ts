import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { call, director } from '../../api.ts';
import { ErrorNote } from '../../components/feedback.ts';
import { queryClient, useMutation } from '../../query.ts';
import { queryKeys } from '../../query-keys.ts';

const SCOPES = [
  ['sessions:read', 'describeSessions'],
  ['sessions:write', 'createSessions, deleteSessions, permissions, connection data'],
  ['servers:read', 'describeServers'],
  ['servers:write', 'openServers, closeServers'],
  ['screenshots:read', 'getSessionScreenshots'],
] as const;

/** "a, b c" as ["a", "b", "c"]; blank: undefined (no limit). */
const listOf = (text: string) => {
  const items = text.split(/[\s,]+/).filter(Boolean);
  return items.length ? items : undefined;
};

/** The secret of a client just registered or rotated, on screen until the admin hides it. */
export function ShownSecret({ shown, onHide }: { shown: { clientId: string; clientSecret: string }; onHide: () => void }) {
  return html`<div class="note note-success" role="status" data-testid="new-api-client">
    <p><strong>Copy the secret now: it is shown only this once.</strong> The client sends its id and secret as HTTP Basic credentials to <code>POST /oauth2/token</code>.</p>
    <p>Client id <code class="secret">${shown.clientId}</code></p>
    <p>Secret <code class="secret" data-testid="api-client-secret">${shown.clientSecret}</code></p>
    <p class="row-actions"><button type="button" class="btn btn-quiet btn-small" onClick=${onHide}>Done, hide it</button></p>
  </div>`;
}

/** POST /v1/admin/api-clients: a name, its scopes and optional limits; the secret is shown here once. */
export function CreateApiClientForm() {
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>(['sessions:read']);
  const [pools, setPools] = useState('');
  const [users, setUsers] = useState('');
  const [owners, setOwners] = useState('');
  const [shown, setShown] = useState<{ clientId: string; clientSecret: string } | null>(null);
  const create = useMutation({
    mutationFn: () =>
      call(
        director.v1.admin['api-clients'].post({
          name: name.trim(),
          scopes,
          ...(listOf(pools) ? { pools: listOf(pools) } : {}),
          ...(listOf(users) ? { users: listOf(users) } : {}),
          ...(listOf(owners) ? { owners: listOf(owners) } : {}),
        }),
      ),
    onSuccess: async (created) => {
      setShown({ clientId: created.clientId, clientSecret: created.clientSecret });
      setName('');
      await queryClient.invalidateQueries({ queryKey: queryKeys.adminApiClients });
    },
  });
  const value = (e: Event) => (e.currentTarget as HTMLInputElement).value;
  const toggle = (scope: string) => setScopes(scopes.includes(scope) ? scopes.filter((s) => s !== scope) : [...scopes, scope]);

  return html`<section class="card" aria-labelledby="create-api-client">
    <h2 id="create-api-client" class="section-title">Register an API client</h2>
    <form onSubmit=${(e: Event) => (e.preventDefault(), create.mutate())}>
      <div class="form-row">
        <label class="field"><span>Name (shown in the audit log)</span>
          <input name="name" required maxlength="64" value=${name} onInput=${(e: Event) => setName(value(e))} />
        </label>
        <label class="field"><span>Pools (optional, blank: any)</span>
          <input name="pools" placeholder="eng, render" autocapitalize="none" spellcheck=${false} value=${pools} onInput=${(e: Event) => setPools(value(e))} />
        </label>
        <label class="field"><span>Acts for users (optional, blank: any)</span>
          <input name="users" placeholder="alice, bob" autocapitalize="none" spellcheck=${false} value=${users} onInput=${(e: Event) => setUsers(value(e))} />
        </label>
        <label class="field"><span>Creates for, beyond the policy, in its pools (optional, blank: none; * for every user)</span>
          <input name="owners" placeholder="batch, render-svc" autocapitalize="none" spellcheck=${false} value=${owners} onInput=${(e: Event) => setOwners(value(e))} />
        </label>
      </div>
      <fieldset class="field">
        <legend>Scopes</legend>
        ${SCOPES.map(
          ([scope, what]) => html`<label key=${scope} class="check">
            <input type="checkbox" name="scopes" value=${scope} checked=${scopes.includes(scope)} onChange=${() => toggle(scope)} />
            <span class="mono">${scope}</span> <span class="muted small">${what}</span>
          </label>`,
        )}
      </fieldset>
      <button type="submit" class="btn btn-primary" disabled=${create.isPending || !name.trim() || !scopes.length}>${create.isPending ? 'Registering…' : 'Register API client'}</button>
    </form>
    <${ErrorNote} error=${create.error} title="The API client was not registered" />
    ${shown ? html`<${ShownSecret} shown=${shown} onHide=${() => setShown(null)} />` : null}
  </section>`;
}
