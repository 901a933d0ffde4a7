/**
 * The HTML part of an outgoing e-mail, made from its text part: the outbox stores the text
 * that was written in the transaction, and the HTML says exactly the same (paragraphs, line
 * breaks, links made clickable), with everything escaped.
 */

/** Text as HTML: the five characters that could open markup or end an attribute, escaped. */
export const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

const URL_RE = /\bhttps?:\/\/[^\s<>"]+/g;

function line(text: string): string {
  let out = '';
  let last = 0;
  for (const m of text.matchAll(URL_RE)) {
    const url = m[0];
    out +=
      escapeHtml(text.slice(last, m.index)) + `<a href="${escapeHtml(url)}">${escapeHtml(url)}</a>`;
    last = m.index + url.length;
  }
  return out + escapeHtml(text.slice(last));
}

export function htmlOfText(text: string, title = ''): string {
  const paragraphs = text
    .replace(/\r\n/g, '\n')
    .split(/\n{2,}/)
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => `<p>${p.split('\n').map(line).join('<br>\n')}</p>`);
  return (
    `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>` +
    `<body style="font-family:system-ui,sans-serif;font-size:16px;line-height:1.5;color:#1d2330">\n` +
    `${paragraphs.join('\n')}\n</body></html>\n`
  );
}
