import { html } from 'htm/preact';
import type { ComponentChildren } from 'preact';

export interface Column<T> {
  label: string;
  cell: (row: T) => ComponentChildren;
  /** Extra class for the cell (e.g. "num", "mono"). */
  class?: string;
}

/**
 * A plain, accessible table; below 720 px each row becomes a stacked card (labels come from
 * data-label via CSS), so admin pages work at phone width.
 */
export function Table<T>({ caption, columns, rows, rowKey, empty }: { caption: string; columns: Column<T>[]; rows: T[]; rowKey: (r: T) => string; empty: ComponentChildren }) {
  if (!rows.length) return html`<div class="table-empty">${empty}</div>`;
  return html`<div class="table-wrap">
    <table class="table">
      <caption class="visually-hidden">${caption}</caption>
      <thead><tr>${columns.map((c) => html`<th scope="col" class=${c.class === 'num' || c.class === 'actions' ? c.class : undefined}>${c.label}</th>`)}</tr></thead>
      <tbody>
        ${rows.map((r) => html`<tr key=${rowKey(r)}>${columns.map((c) => html`<td class=${c.class} data-label=${c.label}><div class="cell">${c.cell(r)}</div></td>`)}</tr>`)}
      </tbody>
    </table>
  </div>`;
}

/** Rows of skeleton lines shaped like a table, so the page does not jump when data arrives. */
export const TableSkeleton = ({ rows = 4 }: { rows?: number }) =>
  html`<div class="table-wrap" aria-hidden="true"><div class="table-skeleton">${Array.from({ length: rows }, (_, i) => html`<span key=${i} class="skeleton-line"></span>`)}</div></div>`;
