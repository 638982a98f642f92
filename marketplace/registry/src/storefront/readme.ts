/**
 * READMEs as HTML: markdown-it with raw HTML disabled, then sanitize-html with an allow-list (the
 * renderer's own output is not trusted either: a link's scheme, an image's source). External
 * links get rel="noopener noreferrer nofollow"; images from elsewhere become links (the CSP
 * allows only the registry's own images and data: URLs), and no inline style survives (the CSP
 * forbids it, so table alignment is dropped). A README is rendered from a bounded
 * prefix so a 512 KB one still gives a small, fast page; results are cached by the version's
 * integrity (versions are immutable).
 */
import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';

/** The most Markdown rendered into a page, and the most HTML it may turn into. */
export const README_SOURCE_LIMIT = 16 * 1024;
export const README_HTML_LIMIT = 16 * 1024;

const markdown = new MarkdownIt({ html: false, linkify: true, typographer: false });
const EXTERNAL = /^(https?:)?\/\//i;
const DATA_IMAGE = /^data:image\/(png|gif|jpeg|webp);base64,[a-z0-9+/=\s]+$/i;

const SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: [
    'h1',
    'h2',
    'h3',
    'h4',
    'h5',
    'h6',
    'p',
    'br',
    'hr',
    'blockquote',
    'pre',
    'code',
    'em',
    'strong',
    's',
    'del',
    'ul',
    'ol',
    'li',
    'a',
    'img',
    'span',
    'table',
    'thead',
    'tbody',
    'tr',
    'th',
    'td',
  ],
  allowedAttributes: { a: ['href', 'title', 'rel'], img: ['src', 'alt', 'title'], ol: ['start'] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['data'] },
  allowProtocolRelative: false,
  transformTags: {
    a: (tagName, attribs) => {
      const href = attribs['href'] ?? '';
      return EXTERNAL.test(href)
        ? { tagName, attribs: { ...attribs, rel: 'noopener noreferrer nofollow' } }
        : { tagName, attribs: { ...attribs, rel: 'nofollow' } };
    },
    img: (_tagName, attribs): sanitizeHtml.Tag => {
      const src = attribs['src'] ?? '';
      if (DATA_IMAGE.test(src)) return { tagName: 'img', attribs };
      const label = attribs['alt'] || 'image';
      if (/^https?:\/\//i.test(src))
        return { tagName: 'a', attribs: { href: src, rel: 'noopener noreferrer nofollow' }, text: `[${label}]` };
      return { tagName: 'span', attribs: {}, text: `[${label}]` };
    },
  },
};

/** The generated-docs markers of `caravan action docs` are HTML comments, which markdown-it (html off) would show. */
const DOCS_MARKER = /^<!-- caravan-action-docs:(start|end)[^\n]*-->$/gm;

export interface RenderedReadme {
  html: string;
  /** The README was longer than what the page shows. */
  truncated: boolean;
}

function cutAt(source: string, limit: number): string {
  if (source.length <= limit) return source;
  const cut = source.lastIndexOf('\n\n', limit);
  return source.slice(0, cut > limit / 2 ? cut : limit);
}

export function renderReadme(source: string): RenderedReadme {
  const whole = source.replace(DOCS_MARKER, '');
  let text = whole;
  let limit = README_SOURCE_LIMIT;
  for (;;) {
    const part = cutAt(text, limit);
    const out = sanitizeHtml(markdown.render(part), SANITIZE);
    if (out.length <= README_HTML_LIMIT || limit < 1024) return { html: out, truncated: part.length < whole.length };
    limit = Math.floor(limit / 2);
    text = part;
  }
}

const cache = new Map<string, RenderedReadme>();
const CACHE_ENTRIES = 200;

/** The rendered README of one immutable version (keyed by its integrity). */
export function cachedReadme(integrity: string, source: string): RenderedReadme {
  const hit = cache.get(integrity);
  if (hit) return hit;
  const out = renderReadme(source);
  if (cache.size >= CACHE_ENTRIES) cache.delete(cache.keys().next().value as string);
  cache.set(integrity, out);
  return out;
}
