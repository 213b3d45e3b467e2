// The FHIR URL shapes and their methods, to tell "no such address" (404) from "not with this method" (405).
const ROUTES: { pattern: RegExp; methods: string[] }[] = [
  { pattern: /^\/fhir$/, methods: ['POST'] },
  { pattern: /^\/fhir\/metadata$/, methods: ['GET', 'HEAD'] },
  { pattern: /^\/fhir\/_history$/, methods: ['GET', 'HEAD'] },
  { pattern: /^\/fhir\/[A-Za-z]+$/, methods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'] },
  { pattern: /^\/fhir\/[A-Za-z]+\/_search$/, methods: ['POST'] },
  { pattern: /^\/fhir\/[A-Za-z]+\/_history$/, methods: ['GET', 'HEAD'] },
  { pattern: /^\/fhir\/[A-Za-z]+\/[^/]+$/, methods: ['GET', 'HEAD', 'PUT', 'PATCH', 'DELETE'] },
  { pattern: /^\/fhir\/[A-Za-z]+\/[^/]+\/_history$/, methods: ['GET', 'HEAD'] },
  { pattern: /^\/fhir\/[A-Za-z]+\/[^/]+\/_history\/[^/]+$/, methods: ['GET', 'HEAD'] },
];

/** The allowed methods when the path is a FHIR address but the method is not served there; else undefined. */
export function methodNotAllowed(method: string, url: string): string[] | undefined {
  const path = url.split('?')[0];
  const route = ROUTES.find((r) => r.pattern.test(path));
  return route && !route.methods.includes(method.toUpperCase()) ? route.methods : undefined;
}
