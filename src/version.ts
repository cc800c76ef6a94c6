// Injected by the esbuild bundle (scripts/build.mjs); source runs (tests) see the dev marker.
declare const __CLAUDERON_VERSION__: string | undefined;
export const VERSION: string = typeof __CLAUDERON_VERSION__ === 'string' ? __CLAUDERON_VERSION__ : '0.0.0-dev';
