import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { call, director } from '../../api.ts';
import { ErrorNote } from '../../components/feedback.ts';
import { useMutation } from '../../query.ts';
import type { PolicyExplanation } from '../../types.ts';

type Grant = PolicyExplanation['grants'][number];

/** One grant in words: whose entry, and the pattern that matched. */
function grantLine(grant: Grant) {
  const who = grant.entry === 'user' ? html`user <strong>${grant.name}</strong>` : html`group <strong>${grant.name}</strong>`;
  if (grant.via === 'servers') return html`${who}: its servers list holds <code>${grant.pattern}</code>`;
  return html`${who}: pool <code>${grant.pattern}</code>${grant.poolPattern ? html`, whose servers list holds <code>${grant.poolPattern}</code>` : null}`;
}

function Result({ answer }: { answer: PolicyExplanation }) {
  const target = answer.server !== undefined ? html`server <code>${answer.server}</code>` : html`pool <code>${answer.pool}</code>`;
  return html`<div class="explain-result" data-testid="explain-result" aria-live="polite">
    <p><strong>${answer.allowed ? 'Granted' : 'Not granted'}:</strong> ${answer.user} ${answer.allowed ? 'may use' : 'may not use'} ${target} under policy version ${answer.version}.</p>
    ${answer.grants.length ? html`<ul>${answer.grants.map((grant) => html`<li>${grantLine(grant)}</li>`)}</ul>` : html`<p>No entry of users.json grants it.</p>`}
    <p>Groups weighed: ${answer.groups.length ? answer.groups.join('; ') : 'none'} (${answer.groupsFrom === 'query' ? 'as given' : "from users.json's member lists"}).</p>
    <p>Admin: ${answer.admin.is ? `yes (${answer.admin.by.join('; ')}): may act on any server as an admin` : 'no'}.</p>
    ${answer.notes.length ? html`<ul class="muted small">${answer.notes.map((note) => html`<li>${note}</li>`)}</ul>` : null}
  </div>`;
}

/**
 * Which entries of the policy grant a user a server or a pool (GET /v1/admin/policy/explain). The
 * director cannot look up a user's LDAP groups without their login, so the admin types them, one a
 * line (names may hold spaces and commas); none: users.json's member lists decide.
 */
export function PolicyExplain() {
  const [user, setUser] = useState('');
  const [kind, setKind] = useState<'server' | 'pool'>('server');
  const [target, setTarget] = useState('');
  const [groups, setGroups] = useState('');
  const explain = useMutation({
    mutationFn: () => {
      const groupList = groups
        .split('\n')
        .map((group) => group.trim())
        .filter(Boolean);
      return call(director.v1.admin.policy.explain.get({ query: { user: user.trim(), [kind]: target.trim(), ...(groupList.length ? { groups: groupList } : {}) } }));
    },
  });
  const value = (e: Event) => (e.currentTarget as HTMLInputElement).value;
  return html`<section class="card policy-explain" aria-labelledby="policy-explain">
    <h2 id="policy-explain" class="section-title">Explain access</h2>
    <form onSubmit=${(e: Event) => (e.preventDefault(), explain.mutate())}>
      <div class="form-row">
        <label class="field"><span>User</span><input name="explain-user" required autocapitalize="none" value=${user} onInput=${(e: Event) => setUser(value(e))} /></label>
        <label class="field"><span>Server or pool</span>
          <select name="explain-kind" class="select" value=${kind} onChange=${(e: Event) => setKind(value(e) as 'server' | 'pool')}>
            <option value="server">Server</option><option value="pool">Pool</option>
          </select>
        </label>
        <label class="field"><span>${kind === 'server' ? 'Server (host name)' : 'Pool'}</span><input name="explain-target" required autocapitalize="none" value=${target} onInput=${(e: Event) => setTarget(value(e))} /></label>
      </div>
      <label class="field"><span>Groups from the login backend, one a line (optional)</span>
        <textarea name="explain-groups" rows="3" spellcheck=${false} value=${groups} onInput=${(e: Event) => setGroups(value(e))}></textarea>
      </label>
      <button type="submit" class="btn" disabled=${explain.isPending}>${explain.isPending ? 'Explaining…' : 'Explain'}</button>
    </form>
    <${ErrorNote} error=${explain.error} title="No explanation" />
    ${explain.data ? html`<${Result} answer=${explain.data} />` : null}
  </section>`;
}
