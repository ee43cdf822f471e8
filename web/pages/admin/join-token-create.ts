import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { call, director } from '../../api.ts';
import { ErrorNote } from '../../components/feedback.ts';
import { queryClient, useMutation } from '../../query.ts';
import { queryKeys } from '../../query-keys.ts';

const LIFETIMES = [
  { seconds: 3600, label: '1 hour' },
  { seconds: 86_400, label: '1 day' },
  { seconds: 7 * 86_400, label: '7 days' },
  { seconds: 30 * 86_400, label: '30 days' },
];

/**
 * POST /v1/admin/join-tokens: uses, lifetime and an optional host-name pattern. The created token's
 * secret is shown here once, until the admin closes it; the director keeps only a hash of it.
 */
export function CreateJoinTokenForm() {
  const [uses, setUses] = useState('1');
  const [expiresIn, setExpiresIn] = useState(String(86_400));
  const [hostnamePattern, setPattern] = useState('');
  const [shown, setShown] = useState<{ token: string; id: string } | null>(null);
  const [copied, setCopied] = useState(false);
  const create = useMutation({
    mutationFn: () => call(director.v1.admin['join-tokens'].post({ uses: Number(uses), expiresIn: Number(expiresIn), ...(hostnamePattern.trim() ? { hostnamePattern: hostnamePattern.trim() } : {}) })),
    onSuccess: async (created) => {
      setShown({ token: created.token, id: created.joinToken.id });
      setCopied(false);
      await queryClient.invalidateQueries({ queryKey: queryKeys.adminJoinTokens });
    },
  });
  const value = (e: Event) => (e.currentTarget as HTMLInputElement | HTMLSelectElement).value;
  // No clipboard (not a secure context, or refused): the token stays on screen to select by hand.
  const copy = async () => {
    if (!shown || !navigator.clipboard) return;
    await navigator.clipboard.writeText(shown.token).then(
      () => setCopied(true),
      () => setCopied(false),
    );
  };

  return html`<section class="card create-join-token" aria-labelledby="create-join-token">
    <h2 id="create-join-token" class="section-title">Create a join token</h2>
    <form class="form-row" onSubmit=${(e: Event) => (e.preventDefault(), create.mutate())}>
      <label class="field"><span>Agents it admits</span>
        <input name="uses" type="number" min="1" max="100000" required value=${uses} onInput=${(e: Event) => setUses(value(e))} />
      </label>
      <label class="field"><span>Valid for</span>
        <select name="expiresIn" class="select" value=${expiresIn} onChange=${(e: Event) => setExpiresIn(value(e))}>
          ${LIFETIMES.map((l) => html`<option key=${l.seconds} value=${String(l.seconds)}>${l.label}</option>`)}
        </select>
      </label>
      <label class="field"><span>Host names (optional)</span>
        <input name="hostnamePattern" placeholder="gpu-*.example.com" autocapitalize="none" spellcheck=${false} value=${hostnamePattern} onInput=${(e: Event) => setPattern(value(e))} />
      </label>
      <button type="submit" class="btn btn-primary" disabled=${create.isPending || !(Number(uses) >= 1)}>${create.isPending ? 'Creating…' : 'Create join token'}</button>
    </form>
    <${ErrorNote} error=${create.error} title="The join token was not created" />
    ${
      shown
        ? html`<div class="note note-success" role="status" data-testid="new-join-token">
          <p><strong>Copy this token now: it is shown only this once.</strong> Put it in the agent's <code>join_token_file</code> (or <code>join_token</code>) on each host it should admit.</p>
          <p><code class="secret" data-testid="join-token-secret">${shown.token}</code></p>
          <p class="row-actions">
            <button type="button" class="btn btn-small" onClick=${copy}>${copied ? 'Copied' : 'Copy token'}</button>
            <button type="button" class="btn btn-quiet btn-small" onClick=${() => setShown(null)}>Done, hide it</button>
          </p>
        </div>`
        : null
    }
  </section>`;
}
