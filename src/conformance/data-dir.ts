/** conformance/ at the package root (requirements, profiles, schemas): two levels up from src/conformance and dist/conformance alike. */
export const dataDir = new URL('../../conformance/', import.meta.url);
