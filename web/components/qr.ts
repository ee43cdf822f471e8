import { html } from 'htm/preact';
import qrcode from 'qrcode-generator';

/** The dark modules of a QR code as one SVG path (1 unit per module, `margin` quiet zone). */
export function qrPath(text: string, margin = 4): { size: number; d: string } {
  const qr = qrcode(0, 'M');
  qr.addData(text);
  qr.make();
  const n = qr.getModuleCount();
  let d = '';
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) if (qr.isDark(r, c)) d += `M${c + margin} ${r + margin}h1v1h-1z`;
  }
  return { size: n + margin * 2, d };
}

/** A QR code as inline SVG (no canvas, no data: URL, nothing the CSP has to allow). */
export function QrCode({ text, label }: { text: string; label: string }) {
  const { size, d } = qrPath(text);
  return html`<svg class="qr" viewBox=${`0 0 ${size} ${size}`} role="img" aria-label=${label} shape-rendering="crispEdges">
    <rect width=${size} height=${size} fill="#fff" />
    <path d=${d} fill="#000" />
  </svg>`;
}
