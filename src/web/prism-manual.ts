// Imported before prismjs (module order is evaluation order): Prism then never highlights the page
// by itself (its DOMContentLoaded pass over `code.language-*`); the Files viewer calls it by hand.
(globalThis as { Prism?: { manual?: boolean } }).Prism = { manual: true };
export {};
