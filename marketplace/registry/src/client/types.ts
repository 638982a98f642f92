/** Bodies of the registry HTTP API, as the client reads them. */

export interface Resolved {
  name: string;
  version: string;
  integrity: string;
  /** Absolute or root-relative URL of the tarball. */
  tarball: string;
  deprecated?: string;
  warnings: string[];
}

export interface VersionSummary {
  version: string;
  integrity: string;
  publishedAt: string;
  deprecated?: string;
  yanked: boolean;
}

export interface VersionList {
  name: string;
  distTags: Record<string, string>;
  versions: VersionSummary[];
}

export interface VersionDetail {
  name: string;
  version: string;
  integrity: string;
  spec: Record<string, unknown>;
  readme?: string;
  publishedAt: string;
  publisher: string;
  deprecated?: string;
  yanked: boolean;
}

export interface Published {
  name: string;
  version: string;
  integrity: string;
}

export interface FetchedAction {
  name: string;
  version: string;
  integrity: string;
  /** The unpacked action, in the cache; do not modify it. */
  dir: string;
  warnings: string[];
}

export interface Whoami {
  user: string;
  admin: boolean;
  scopes: string[];
}

export interface SearchQuery {
  q?: string;
  category?: string;
  scope?: string;
  limit?: number;
  offset?: number;
}

export interface SearchHit {
  name: string;
  version: string;
  description: string;
  category?: string;
  scope: string;
  scopeKind: 'enterprise' | 'project' | 'personal';
  deprecated?: string;
  publishedAt: string;
  resolutions30d: number;
}

export interface SearchPage {
  hits: SearchHit[];
  total: number;
}

export interface ActionStats {
  name: string;
  days: number;
  resolutions: number;
}

export interface CreatedToken {
  id: string;
  token: string;
}
