import { html } from 'htm/preact';
import { PasskeyManager } from '../components/passkey-manager.ts';
import { PageHeader } from '../components/shell.ts';

/** The signed-in user's passkeys. */
export function PasskeysPage() {
  return html`<div class="page page-narrow">
    <${PageHeader} title="Passkeys">Sign in with your device’s fingerprint, face or PIN, or a security key, instead of a code.<//>
    <div class="card"><${PasskeyManager} /></div>
  </div>`;
}
