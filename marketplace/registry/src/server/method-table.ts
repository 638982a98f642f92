/** Which methods each registered URL pattern answers, for 405 and its Allow header. */
export class MethodTable {
  private readonly routes: { pattern: RegExp; methods: Set<string> }[] = [];

  add(method: string, url: string): void {
    const source = `^${url
      .split('/')
      .map((s) => (s.startsWith(':') ? '[^/]+' : s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('/')}$`;
    let route = this.routes.find((r) => r.pattern.source === source);
    if (!route) {
      route = { pattern: new RegExp(source), methods: new Set() };
      this.routes.push(route);
    }
    route.methods.add(method);
    if (method === 'GET') route.methods.add('HEAD');
  }

  /** The methods a path answers (empty: no route has this path). */
  allowed(path: string): string[] {
    const methods = new Set<string>();
    for (const r of this.routes) if (r.pattern.test(path)) for (const m of r.methods) methods.add(m);
    return [...methods].sort();
  }
}
