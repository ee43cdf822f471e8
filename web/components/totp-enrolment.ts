import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { call, director } from '../api.ts';
import { useMutation } from '../query.ts';
import { ErrorNote } from './feedback.ts';

type QrModule = typeof import('./qr.ts');

/**
 * Built-in TOTP enrolment: start it, scan the otpauth:// QR code (or type the key), prove it with a
 * code. Used by the Authenticator page and by the login page when the director says the user must
 * enrol first (then the calls carry the short-lived enrolment cookie instead of a session).
 */
export function TotpEnrolment({ onConfirmed }: { onConfirmed: () => void }) {
  const [code, setCode] = useState('');
  const [qr, setQr] = useState<QrModule | null>(null);
  const enrol = useMutation({ mutationFn: () => call(director.v1.user.totp.enrol.post({}), { noSignOut: true }) });
  const confirm = useMutation({
    mutationFn: (c: string) => call(director.v1.user.totp.confirm.post({ code: c }), { noSignOut: true }),
    // A wrong code is a 400 CODE_REJECTED, shown by the ErrorNote below.
    onSuccess: () => onConfirmed(),
  });
  const secret = enrol.data;
  // The QR encoder is its own chunk: only people who enrol download it.
  useEffect(() => {
    if (secret && !qr) void import('./qr.ts').then((m) => setQr(m));
  }, [secret]);

  if (!secret) {
    return html`<div class="enrol">
      <p>Add this account to an authenticator app (for example FreeOTP, Google Authenticator or 1Password). You will then enter its six-digit code when you sign in.</p>
      <${ErrorNote} error=${enrol.error} />
      <button type="button" class="btn btn-primary" onClick=${() => enrol.mutate()} disabled=${enrol.isPending}>${enrol.isPending ? 'Preparing…' : 'Set up authenticator app'}</button>
    </div>`;
  }
  return html`<ol class="steps enrol">
    <li>
      <p>Scan this code with your authenticator app.</p>
      ${qr ? html`<${qr.QrCode} text=${secret.otpauthUri} label="QR code for your authenticator app" />` : html`<div class="qr" aria-hidden="true"></div>`}
    </li>
    <li><p>Can't scan it? Enter this key instead:</p><p><code class="secret" data-testid="totp-secret">${secret.secret.replace(/(.{4})/g, '$1 ').trim()}</code></p></li>
    <li>
      <form class="inline-form" onSubmit=${(e: Event) => (e.preventDefault(), confirm.mutate(code.replace(/\s/g, '')))}>
        <label class="field"><span>Code from the app</span>
          <input name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="8" value=${code} onInput=${(e: Event) => setCode((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <button type="submit" class="btn btn-primary" disabled=${confirm.isPending || code.replace(/\s/g, '').length < 6}>${confirm.isPending ? 'Checking…' : 'Confirm'}</button>
      </form>
      <${ErrorNote} error=${confirm.error} />
    </li>
  </ol>`;
}
