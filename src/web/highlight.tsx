// Syntax highlighting for the Files viewer (its own lazy chunk, with Prism): Prism.tokenize turns
// the text into a token tree, drawn here as React elements — text nodes and <span>s whose class is
// the token's type, never HTML. A file's content is the agent's to write (`<script>` in an .html
// file is a tag token, not a tag). Languages by extension; anything else, and a big file, plain.
import './prism-manual';
// (the core alone, then each language: none of the plugins `prismjs` itself bundles)
import Prism from 'prismjs/components/prism-core';
import 'prismjs/components/prism-markup';
import 'prismjs/components/prism-css';
import 'prismjs/components/prism-clike';
import 'prismjs/components/prism-javascript';
import 'prismjs/components/prism-typescript';
import 'prismjs/components/prism-jsx';
import 'prismjs/components/prism-tsx';
import 'prismjs/components/prism-json';
import 'prismjs/components/prism-markdown';
import 'prismjs/components/prism-python';
import 'prismjs/components/prism-rust';
import 'prismjs/components/prism-go';
import 'prismjs/components/prism-bash';
import 'prismjs/components/prism-yaml';
import 'prismjs/components/prism-toml';
import type { ReactNode } from 'react';
import './highlight.css';

/** Above this many characters a file is shown plain (tokenizing it would hold the page up). */
export const MAX_HIGHLIGHT = 200 * 1024;

const BY_EXTENSION: Record<string, string> = {
  ts: 'typescript', mts: 'typescript', cts: 'typescript', tsx: 'tsx',
  js: 'javascript', mjs: 'javascript', cjs: 'javascript', jsx: 'jsx',
  json: 'json', jsonl: 'json', md: 'markdown', markdown: 'markdown',
  py: 'python', rs: 'rust', go: 'go',
  sh: 'bash', bash: 'bash', zsh: 'bash',
  yaml: 'yaml', yml: 'yaml', toml: 'toml', css: 'css',
  html: 'markup', htm: 'markup', xml: 'markup', svg: 'markup',
};

const BY_NAME: Record<string, string> = { Dockerfile: 'bash', '.bashrc': 'bash', '.zshrc': 'bash', 'Cargo.lock': 'toml' };

/** Prism's language for a path (by extension), or null: shown plain. */
export function languageOf(path: string): string | null {
  const base = path.split('/').pop() ?? path;
  const byName = BY_NAME[base];
  if (byName) return byName;
  const dot = base.lastIndexOf('.');
  if (dot <= 0) return null;
  const lang = BY_EXTENSION[base.slice(dot + 1).toLowerCase()];
  return lang && Prism.languages[lang] ? lang : null;
}

/** A token type or alias (the grammar's words, never the file's) as a class name: `t-<name>`. */
const cls = (name: string) => `t-${name.replace(/[^\w-]/g, '')}`;

function render(stream: Prism.TokenStream, key: string): ReactNode {
  if (typeof stream === 'string') return stream;
  if (Array.isArray(stream)) return stream.map((t, i) => render(t, `${key}.${i}`));
  const aliases = stream.alias === undefined ? [] : Array.isArray(stream.alias) ? stream.alias : [stream.alias];
  return (
    <span key={key} className={['tok', ...[stream.type, ...aliases].map(cls)].join(' ')}>
      {render(stream.content, key)}
    </span>
  );
}

/** The text as React nodes: tokens of `lang` (a Prism language name), or the text itself. */
export function highlight(text: string, lang: string | null): ReactNode {
  const grammar = lang ? Prism.languages[lang] : undefined;
  if (!grammar || text.length > MAX_HIGHLIGHT) return text;
  return render(Prism.tokenize(text, grammar), 't');
}
