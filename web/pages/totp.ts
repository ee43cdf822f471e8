import { html } from 'htm/preact';
import { ErrorNote, Note, Skeleton } from '../components/feedback.ts';
import { PageHeader, useTotpStatus } from '../components/shell.ts';
import { TotpEnrolment } from '../components/totp-enrolment.ts';
import { queryClient } from '../query.ts';
import { queryKeys } from '../query-keys.ts';
import { href } from '../router.ts';

const NotUsed = () => html`<${Note}>Authenticator apps are not used on this server.<//>`;

/** The signed-in user's authenticator app: set it up, or see that it is set up. */
export function TotpPage() {
  const status = useTotpStatus();
  let body: ReturnType<typeof html>;
  if (status.isPending) body = html`<${Skeleton} lines=${3} />`;
  else if (status.isError) body = status.error.status === 404 ? html`<${NotUsed} />` : html`<${ErrorNote} error=${status.error} onRetry=${() => status.refetch()} />`;
  else if (!status.data.enabled) body = html`<${NotUsed} />`;
  else if (status.data.enrolled)
    body = html`<${Note} tone="success">Your authenticator app is set up. You will be asked for a code when you sign in.<//>
      <p class="muted">Lost your phone? Ask an administrator to reset it, then set it up again here.</p>
      <p><a href=${href('/')}>Back to your desktops</a></p>`;
  else body = html`<${TotpEnrolment} onConfirmed=${() => queryClient.invalidateQueries({ queryKey: queryKeys.totp })} />`;

  return html`<div class="page page-narrow">
    <${PageHeader} title="Authenticator app">A second step at sign-in that keeps your account safe if your password leaks.<//>
    <div class="card">${body}</div>
  </div>`;
}
