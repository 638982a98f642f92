/** Printing URLs without what they may carry: user names, passwords, tokens in the query. */

/** The URL without user, password, query or fragment, safe to print; `<invalid URL>` when it does not parse. */
export function redactUrl(raw: string): string {
  try {
    const u = new URL(raw);
    u.username = '';
    u.password = '';
    u.search = '';
    u.hash = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return '<invalid URL>';
  }
}

const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`]+/gi;

/**
 * `text` with every URL that carries credentials or a query replaced by its redacted form; other
 * URLs are left exactly as written. For messages that quote a URL someone else built.
 */
export function redactUrlsIn(text: string): string {
  return text.replace(URL_IN_TEXT, (found) => {
    const url = found.replace(/[.,;:)\]}]+$/, '');
    const authority = url.slice(url.indexOf('//') + 2).split(/[/?#]/)[0] ?? '';
    if (!authority.includes('@') && !/[?#]/.test(url)) return found;
    const redacted = redactUrl(url);
    return `${redacted === '<invalid URL>' ? `${url.slice(0, url.indexOf('//') + 2)}<redacted>` : redacted}${found.slice(url.length)}`;
  });
}
