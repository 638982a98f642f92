/**
 * @caravan/registry: the registry service (store, server, gc, admin), its client (resolve, fetch,
 * publish, lifecycle), and the tarball checks both sides share. The one entry other parts import.
 */
export { startRegistry, type RunningRegistry, type StartOptions } from './serve.js';
export { openStore, openBlobs, defaultDataDir, type OpenOptions } from './open.js';
export { addUser, grant, createTokenFor, revokeTokenById } from './admin.js';
export { Registry } from './registry.js';
export type { Catalog, CatalogQuery, CatalogHit, CatalogPage, CatalogHome, ScopeKind } from './catalog/types.js';
export { StoreCatalog } from './catalog/store-catalog.js';
export { ResolutionCounter } from './catalog/resolution-counter.js';
export { collectGarbage, DEFAULT_GC_MIN_AGE_MS, type GcOptions, type GcResult } from './gc.js';
export { createServer } from './server/app.js';
export { RegistryError } from './errors.js';
export { parseActionName, type ActionName } from './names.js';
export { resolveSpec, type Resolution, type Candidate } from './resolve.js';
export type { RegistryStore, Role, Access } from './store/types.js';
// The client's RegistryError (an answer the client got) is RegistryClientError here; RegistryError is the server's.
export * from './client/index.js';
export { RegistryError as RegistryClientError } from './client/index.js';
export type * from './client/types.js';
export * from './tarball/index.js';
export { isAlive, processStartTicks, statFields } from './process-alive.js';
export { BlobStore, BlobTooLargeError } from './blobs.js';
// The page shell the storefront and the engine's run pages are both drawn in: escaping HTML, the
// strict CSP, the cookie session, the shell itself, its login and error pages, and the page context.
export { html, escapeHtml, trusted, Html, queryString } from './page-shell/html.js';
export { CONTENT_SECURITY_POLICY, securityHeaders } from './page-shell/headers.js';
export { comesFromOwnPage, localPath, pageSession, readCookie } from './page-shell/session.js';
export type { PageSession } from './page-shell/session.js';
export { renderPage, type ShellSite, type ShellPage, type ShellAccount, type PageContent } from './page-shell/shell.js';
export { contentAsset, type Asset, type ShellAssets } from './page-shell/asset.js';
export { loginPage, type LoginForm } from './page-shell/login-page.js';
export { errorPage, type PageProblem } from './page-shell/error-page.js';
export { preparePages, sendPage, formField, type PageContextOptions } from './page-shell/page-context.js';
// The storefront's look and README rendering, shared with the engine's run pages.
export { STYLESHEET as STOREFRONT_STYLESHEET } from './storefront/style.js';
export { renderReadme } from './storefront/readme.js';
