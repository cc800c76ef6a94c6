// The interception CA of the credential proxy (PROXY-NOTES.md, "Certificates"): the module the
// rest of clauderon imports; the parts live in ca/.
//
// The CA (RSA 2048) lives in two files: proxy-ca.pem (0644, may be handed to
// agents) and proxy-ca-key.pem (0600, never leaves the host). Leaf certificates
// are minted per hostname in memory: one shared RSA key per Ca, a TBSCertificate
// built with forge's ASN.1 encoder and signed with node:crypto (forge's own
// `cert.sign` costs 20–40 ms; this path costs a few), kept in a bounded LRU.
//
//   ca/der.ts         DER building blocks, RSA keys, signing (node-forge, loaded on first use)
//   ca/ca.ts          the Ca (leaves), creating, loading and rotating the pair
//   ca/leaf-cache.ts  leaf hostnames and the LRU of leaves
//   ca/files.ts       the pair's files: exclusive creation, atomic replacement, modes
//   ca/bundle.ts      the trust bundle (system roots + the CA)
//
// node-forge is loaded on first use (`await import()`): client processes that
// only import this module for its types or for bundleWithSystemRoots never pay for it.
export { Ca, loadOrCreateCa, rotateCa, type CaOptions } from './ca/ca.js';
export { LEAF_CACHE_SIZE, leafHostname, type Leaf } from './ca/leaf-cache.js';
export type { CaPaths } from './ca/files.js';
export { SYSTEM_CA_BUNDLES, bundleWithSystemRoots } from './ca/bundle.js';
