import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/browser';
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { call, director } from '../api.ts';
import { dateTime, relativeTime } from '../format.ts';
import { queryClient, useMutation, useQuery } from '../query.ts';
import { queryKeys } from '../query-keys.ts';
import { ErrorNote, Note, Skeleton } from './feedback.ts';
import { passkeyProblem } from './passkey-login.ts';
import { Table } from './table.ts';

/** GET /v1/user/passkeys; a director without passkeys answers `enabled: false` and the link does not show. */
export const usePasskeys = () => useQuery({ queryKey: queryKeys.passkeys, queryFn: () => call(director.v1.user.passkeys.get()), retry: false, staleTime: 60_000, refetchOnWindowFocus: false });

type Passkey = NonNullable<ReturnType<typeof usePasskeys>['data']>['passkeys'][number];

/** Registers a passkey: options from the director, the browser's prompt (its code loaded now), the answer back. */
async function register(name: string) {
  const offer = await call(director.v1.user.passkeys.options.post());
  const { startRegistration } = await import('@simplewebauthn/browser');
  const response = await startRegistration({ optionsJSON: offer.options as unknown as PublicKeyCredentialCreationOptionsJSON });
  return call(director.v1.user.passkeys.post({ challengeId: offer.challengeId, name, response }));
}

/** The signed-in user's passkeys: add one (named), see when each was last used, remove one. */
export function PasskeyManager() {
  const passkeys = usePasskeys();
  const [name, setName] = useState('');
  const [removing, setRemoving] = useState<Passkey | null>(null);
  const [done, setDone] = useState('');
  const refresh = () => queryClient.invalidateQueries({ queryKey: queryKeys.passkeys });
  const add = useMutation({
    mutationFn: () => register(name.trim()),
    onSuccess: (added) => (setName(''), setDone(`Passkey “${added.name}” added.`), refresh()),
  });
  const remove = useMutation({
    mutationFn: (p: Passkey) => call(director.v1.user.passkeys({ id: encodeURIComponent(p.id) }).delete()),
    onSuccess: (_, p) => (setRemoving(null), setDone(`Passkey “${p.name}” removed.`), refresh()),
  });

  if (passkeys.isPending) return html`<${Skeleton} lines=${3} />`;
  if (passkeys.isError) return html`<${ErrorNote} error=${passkeys.error} onRetry=${() => passkeys.refetch()} />`;
  if (!passkeys.data.enabled) return html`<${Note}>Passkeys are not used on this server.<//>`;
  const columns = [
    { label: 'Name', cell: (p: Passkey) => p.name },
    { label: 'Added', cell: (p: Passkey) => html`<time datetime=${p.createdAt} title=${dateTime(p.createdAt)}>${relativeTime(p.createdAt)}</time>` },
    { label: 'Last used', cell: (p: Passkey) => (p.lastUsedAt ? html`<time datetime=${p.lastUsedAt} title=${dateTime(p.lastUsedAt)}>${relativeTime(p.lastUsedAt)}</time>` : 'Never') },
    {
      label: 'Actions',
      class: 'actions',
      cell: (p: Passkey) =>
        removing?.id === p.id
          ? html`<button type="button" class="btn btn-danger btn-small" disabled=${remove.isPending} onClick=${() => remove.mutate(p)}>Yes, remove</button>
              <button type="button" class="btn btn-quiet btn-small" onClick=${() => setRemoving(null)}>Keep</button>`
          : html`<button type="button" class="btn btn-danger-quiet btn-small" aria-label=${`Remove passkey ${p.name}`} onClick=${() => (remove.reset(), setRemoving(p))}>Remove</button>`,
    },
  ];
  return html`<div class="passkeys">
    <div aria-live="polite">${done ? html`<${Note} tone="success">${done}<//>` : null}</div>
    ${add.isError ? html`<div class="note note-error" role="alert"><p>${passkeyProblem(add.error)}</p></div>` : null}
    ${remove.isError ? html`<${ErrorNote} error=${remove.error} />` : null}
    <${Table} caption="Your passkeys" columns=${columns} rows=${passkeys.data.passkeys} rowKey=${(p: Passkey) => p.id}
      empty=${html`<p class="muted">You have no passkeys yet.</p>`} />
    <form class="inline-form" onSubmit=${(e: Event) => (e.preventDefault(), setDone(''), add.mutate())}>
      <label class="field">
        <span>Name for the new passkey</span>
        <input name="passkey-name" maxLength=${64} required placeholder="e.g. work laptop" value=${name} onInput=${(e: Event) => setName((e.currentTarget as HTMLInputElement).value)} />
      </label>
      <button type="submit" class="btn btn-primary" disabled=${add.isPending || !name.trim()} aria-busy=${add.isPending}>${add.isPending ? 'Waiting for your device…' : 'Add a passkey'}</button>
    </form>
    ${passkeys.data.allowPasswordless ? html`<p class="muted">You can sign in with a passkey alone, without your password.</p>` : html`<p class="muted">At sign-in, a passkey can stand in for the one-time code.</p>`}
  </div>`;
}
