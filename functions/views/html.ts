import { createHash } from 'node:crypto';

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML element content and attribute values. */
export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

/** Tagged template that escapes every interpolation unless it is already `Html`. */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    const part = Array.isArray(v)
      ? v.map((x) => (x instanceof Html ? x.value : esc(x))).join('')
      : v instanceof Html
        ? v.value
        : esc(v);
    out += part + (strings[i + 1] ?? '');
  });
  return new Html(out);
}

/** Readable on a phone, no external assets; the CSP allows exactly this stylesheet. */
export const PAGE_STYLE = `body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f5f6f8;color:#1d2330}
main{max-width:40rem;margin:0 auto;padding:1rem}
.card{background:#fff;border:1px solid #dde1e7;border-radius:8px;padding:1rem 1.25rem;margin:1rem 0}
h1{font-size:1.4rem;margin:.5rem 0}h2{font-size:1.1rem;margin:.25rem 0}
dl{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:.25rem 1rem;margin:0}dt{color:#5a6372}dd{margin:0;overflow-wrap:anywhere}
label{display:block;margin:.5rem 0 .25rem;font-weight:600}
textarea,input,select{width:100%;box-sizing:border-box;font:inherit;padding:.5rem;border:1px solid #b8c0cc;border-radius:6px}
fieldset{border:1px solid #dde1e7;border-radius:6px;margin:.5rem 0}
.outcome{display:flex;gap:.5rem;align-items:flex-start;font-weight:400}.outcome input{width:auto;margin-top:.35rem}
button{font:inherit;background:#1a56db;color:#fff;border:0;border-radius:6px;padding:.7rem 1.2rem;margin-top:1rem;cursor:pointer}
.problems{background:#fdecea;border-color:#f5c2c0}.muted{color:#5a6372;font-size:.9rem}
.hash{font-family:monospace;font-size:.8rem;word-break:break-all}
:root{color-scheme:light dark}
@media (prefers-color-scheme:dark){body{background:#111418;color:#e6e9ee}.card{background:#1b1f24;border-color:#2c323a}
dt,.muted{color:#a9b1bd}textarea,input,select{background:#111418;color:#e6e9ee;border-color:#4a5361}fieldset{border-color:#2c323a}
.problems{background:#3b1816;border-color:#7a2e2a}button{background:#2563eb}a{color:#8ab4f8}}`;

export const PAGE_STYLE_HASH = `sha256-${createHash('sha256').update(PAGE_STYLE).digest('base64')}`;

/**
 * Approval pages run no script, load nothing from elsewhere, post only to themselves,
 * and cannot be framed.
 */
export const APPROVAL_PAGE_CSP = [
  "default-src 'none'",
  `style-src '${PAGE_STYLE_HASH}'`,
  "img-src 'self' data:",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

export function page(title: string, body: Html): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex">
<title>${esc(title)} · tollgate</title><style>${PAGE_STYLE}</style></head>
<body><main>${body.value}</main></body></html>`;
}
