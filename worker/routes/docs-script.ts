// Where /docs finds the API reference's script: among the worker's own static assets, at a path that
// names the version package.json pins (scripts/docs-assets.ts copies it there at build time), so the
// page needs no other origin and a new version is a new URL.
import packageJson from '../../package.json';

export const API_REFERENCE_PACKAGE = '@scalar/api-reference';

export const apiReferenceScriptPath = (version: string): string =>
  `/api-reference/scalar-api-reference-${version}.js`;

/** The script /docs loads: the standalone bundle of the pinned @scalar/api-reference. */
export const API_REFERENCE_SCRIPT = apiReferenceScriptPath(
  (packageJson as { devDependencies: Record<string, string> }).devDependencies[API_REFERENCE_PACKAGE] ??
    'missing',
);
