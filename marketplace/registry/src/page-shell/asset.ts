/**
 * Static assets under content-addressed paths (`/-/static/<name>.<hash>.<ext>`), so they can be
 * cached for ever and a new build changes their URL.
 */
import { createHash } from 'node:crypto';

export interface Asset {
  path: string;
  type: string;
  body: string;
}

/** What every page of a site links to. */
export interface ShellAssets {
  css: Asset;
  js: Asset;
  icon: Asset;
}

export function contentAsset(name: string, ext: string, type: string, body: string): Asset {
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
  return { path: `/-/static/${name}.${hash}.${ext}`, type, body };
}
