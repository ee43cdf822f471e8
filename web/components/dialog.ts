import { html } from 'htm/preact';
import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef } from 'preact/hooks';
import { ErrorNote } from './feedback.ts';

/**
 * A modal on the native <dialog>: the browser traps focus, Esc closes it and the page behind is inert.
 */
export function Modal({ open, title, onClose, children, wide }: { open: boolean; title: string; onClose: () => void; children: ComponentChildren; wide?: boolean }) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return html`<dialog ref=${ref} class=${`dialog ${wide ? 'dialog-wide' : ''}`} aria-labelledby=${titleId} onClose=${() => open && onClose()}>
    ${open
      ? html`<div class="dialog-body">
          <header class="dialog-header">
            <h2 id=${titleId}>${title}</h2>
            <button type="button" class="btn-icon" aria-label="Close" onClick=${onClose}>×</button>
          </header>
          ${children}
        </div>`
      : null}
  </dialog>`;
}

export interface ConfirmProps {
  open: boolean;
  title: string;
  children: ComponentChildren;
  confirmLabel: string;
  danger?: boolean;
  busy?: boolean;
  error?: unknown;
  onConfirm: () => void;
  onCancel: () => void;
}

/** "Are you sure?" with the facts to decide on, a named action and a safe default (Cancel). */
export function ConfirmDialog(p: ConfirmProps) {
  return html`<${Modal} open=${p.open} title=${p.title} onClose=${p.onCancel}>
    <div class="dialog-content">${p.children}</div>
    <${ErrorNote} error=${p.error} />
    <footer class="dialog-actions">
      <button type="button" class="btn btn-quiet" onClick=${p.onCancel} autofocus>Cancel</button>
      <button type="button" class=${`btn ${p.danger ? 'btn-danger' : 'btn-primary'}`} disabled=${p.busy} aria-busy=${p.busy} onClick=${p.onConfirm}>
        ${p.busy ? 'Working…' : p.confirmLabel}
      </button>
    </footer>
  <//>`;
}
