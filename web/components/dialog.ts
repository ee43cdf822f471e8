import { html } from 'htm/preact';
import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef } from 'preact/hooks';
import { ErrorNote } from './feedback.ts';

/** Focuses the first of `candidates` that is still on the page and takes focus. */
function focusFirst(candidates: (Element | null | undefined)[]): void {
  for (const el of candidates) {
    if (!(el instanceof HTMLElement) || !el.isConnected) continue;
    el.focus();
    if (document.activeElement === el) return;
  }
}

/**
 * Where focus goes when a dialog closes: `returnFocus` if given, else the control that opened it, else
 * (that control went away with what it acted on) the card it was in, else the page heading. Never
 * <body>, where keyboard and screen-reader users would lose their place.
 */
function restoreFocus(opener: Element | null, scope: Element | null, returnFocus?: () => Element | null | undefined): void {
  setTimeout(() => focusFirst([returnFocus?.(), opener, scope, document.querySelector('main h1'), document.getElementById('main')]), 0);
}

/**
 * A modal on the native <dialog>: the browser traps focus, Esc closes it and the page behind is inert.
 */
export function Modal({ open, title, onClose, children, wide, returnFocus }: { open: boolean; title: string; onClose: () => void; children: ComponentChildren; wide?: boolean; returnFocus?: () => Element | null | undefined }) {
  const ref = useRef<HTMLDialogElement>(null);
  const opener = useRef<{ el: Element | null; scope: Element | null }>({ el: null, scope: null });
  const titleId = useId();
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) {
      const el = document.activeElement && document.activeElement !== document.body ? document.activeElement : null;
      opener.current = { el, scope: el?.closest('[data-focus-scope]') ?? null };
      d.showModal();
    }
    if (!open && d.open) {
      d.close();
      restoreFocus(opener.current.el, opener.current.scope, returnFocus);
    }
  }, [open]);
  return html`<dialog ref=${ref} class=${`dialog ${wide ? 'dialog-wide' : ''}`} aria-labelledby=${titleId} onClose=${() => {
    if (!open) return;
    onClose();
    restoreFocus(opener.current.el, opener.current.scope, returnFocus);
  }}>
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
