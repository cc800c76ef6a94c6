// Prism's core alone (prismjs/components/prism-core: no bundled plugins, such as file-highlight,
// which fetches a `pre[data-src]`'s file): the same API @types/prismjs describes for `prismjs`.
declare module 'prismjs/components/prism-core' {
  import Prism from 'prismjs';
  export default Prism;
}
