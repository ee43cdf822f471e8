import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { call, director } from '../../api.ts';
import { ErrorNote, Note } from '../../components/feedback.ts';
import { AdminNav, PageHeader } from '../../components/shell.ts';
import { Table } from '../../components/table.ts';
import { dateTime } from '../../format.ts';
import { queryClient, useMutation, useQuery } from '../../query.ts';
import { queryKeys } from '../../query-keys.ts';

type Passkey = { id: string; name: string; createdAt: string; lastUsedAt?: string };

/** A user's sign-in devices: look a user up, see their passkeys, reset them (a lost device; audited). */
export function UsersPage() {
  const [typed, setTyped] = useState('');
  const [user, setUser] = useState('');
  const [confirming, setConfirming] = useState(false);
  const [done, setDone] = useState('');
  const passkeys = useQuery({
    queryKey: queryKeys.adminPasskeys(user),
    queryFn: () => call(director.v1.admin.users({ user: encodeURIComponent(user) }).passkeys.get()),
    enabled: user !== '',
    retry: false,
  });
  const reset = useMutation({
    mutationFn: () => call(director.v1.admin.users({ user: encodeURIComponent(user) }).passkeys.reset.post()),
    onSuccess: (answer) => {
      setConfirming(false);
      setDone(`Removed ${answer.removed} passkey${answer.removed === 1 ? '' : 's'} of ${user}.`);
      queryClient.invalidateQueries({ queryKey: queryKeys.adminPasskeys(user) });
    },
  });
  const columns = [
    { label: 'Name', cell: (p: Passkey) => p.name },
    { label: 'Added', cell: (p: Passkey) => dateTime(p.createdAt) },
    { label: 'Last used', cell: (p: Passkey) => (p.lastUsedAt ? dateTime(p.lastUsedAt) : 'Never') },
  ];
  const list = passkeys.data?.passkeys ?? [];
  return html`<div class="page">
    <${AdminNav} path="/admin/users" />
    <${PageHeader} title="Users">A user’s passkeys; reset them when a device is lost, so the user signs in with a password and a code again.<//>
    <form class="card form-row" role="search" onSubmit=${(e: Event) => (e.preventDefault(), setDone(''), setConfirming(false), setUser(typed.trim()))}>
      <label class="field"><span>User name</span><input name="user" autocapitalize="none" spellcheck=${false} value=${typed} onInput=${(e: Event) => setTyped((e.currentTarget as HTMLInputElement).value)} /></label>
      <button type="submit" class="btn" disabled=${!typed.trim()}>Look up</button>
    </form>
    <div aria-live="polite">${done ? html`<${Note} tone="success">${done}<//>` : null}</div>
    ${passkeys.isError ? html`<${ErrorNote} error=${passkeys.error} />` : null}
    ${reset.isError ? html`<${ErrorNote} error=${reset.error} />` : null}
    ${
      user && passkeys.data
        ? html`<section class="card" aria-labelledby="user-passkeys">
            <h2 id="user-passkeys">Passkeys of ${user}</h2>
            <${Table} caption=${`Passkeys of ${user}`} columns=${columns} rows=${list} rowKey=${(p: Passkey) => p.id} empty=${html`<p class="muted">${user} has no passkeys.</p>`} />
            ${
              list.length === 0
                ? null
                : confirming
                  ? html`<p>Remove all ${list.length} passkeys of ${user}?
                      <button type="button" class="btn btn-danger btn-small" disabled=${reset.isPending} onClick=${() => reset.mutate()}>Yes, reset passkeys</button>
                      <button type="button" class="btn btn-quiet btn-small" onClick=${() => setConfirming(false)}>Cancel</button></p>`
                  : html`<p><button type="button" class="btn btn-danger-quiet" onClick=${() => (reset.reset(), setConfirming(true))}>Reset passkeys</button></p>`
            }
          </section>`
        : null
    }
  </div>`;
}
