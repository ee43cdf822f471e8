import { html } from 'htm/preact';
import qrcode from 'qrcode-generator';

/** The dark modules of a QR code as one SVG path (1 unit per module, `margin` quiet zone). */
export function qrPath(text: string, margin = 4): { size: number; d: string } {
  const qr = qrcode(0, 'M');
  qr.addData(text);
  qr.make();
  const modules = qr.getModuleCount();
  let path = '';
  for (let row = 0; row < modules; row++) {
    for (let column = 0; column < modules; column++) if (qr.isDark(row, column)) path += `M${column + margin} ${row + margin}h1v1h-1z`;
  }
  return { size: modules + margin * 2, d: path };
}

/** A QR code as inline SVG (no canvas, no data: URL, nothing the CSP has to allow). */
export function QrCode({ text, label }: { text: string; label: string }) {
  const { size, d: pathData } = qrPath(text);
  return html`<svg class="qr" viewBox=${`0 0 ${size} ${size}`} role="img" aria-label=${label} shape-rendering="crispEdges">
    <rect width=${size} height=${size} fill="#fff" />
    <path d=${pathData} fill="#000" />
  </svg>`;
}
