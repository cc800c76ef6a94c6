// Markdown from an agent's transcript as React elements: marked's lexer makes the tokens, this
// makes the elements — never HTML strings, never dangerouslySetInnerHTML. The transcript is the
// agent's (untrusted): raw HTML is shown as text, images are never loaded (their alt text, with a
// link when the address is http(s)), and only http(s) and mailto links become links (rel
// noopener noreferrer, a new tab); any other address (javascript:, data:…) stays text.
import { Lexer, type Token, type Tokens } from 'marked';
import type { ReactNode } from 'react';

/** Markdown over this many characters is shown as plain text (the lexer's time stays bounded). */
export const MAX_MARKDOWN_CHARS = 200_000;
/** Deeper nesting than this is shown as text. */
const MAX_DEPTH = 24;

/** The address if it may be a link (http, https, mailto), else null. */
export function safeHref(href: string): string | null {
  const h = href.trim();
  try {
    const u = new URL(h);
    return u.protocol === 'http:' || u.protocol === 'https:' || u.protocol === 'mailto:' ? u.href : null;
  } catch {
    return null; // (relative addresses mean nothing here)
  }
}

export function Markdown({ text }: { text: string }) {
  if (text.length > MAX_MARKDOWN_CHARS) return <div className="md"><pre className="md-plain">{text}</pre></div>;
  let tokens: Token[];
  try {
    tokens = Lexer.lex(text, { gfm: true, breaks: true });
  } catch {
    return <div className="md"><pre className="md-plain">{text}</pre></div>;
  }
  return <div className="md">{blocks(tokens, 0)}</div>;
}

function blocks(tokens: readonly Token[], depth: number): ReactNode[] {
  return tokens.map((t, i) => block(t, i, depth));
}

function block(t: Token, key: number, depth: number): ReactNode {
  if (depth > MAX_DEPTH) return <span key={key}>{t.raw}</span>;
  switch (t.type) {
    case 'space':
    case 'def':
      return null;
    case 'heading': {
      const h = t as Tokens.Heading;
      const Tag = `h${Math.min(6, Math.max(1, h.depth))}` as 'h1';
      return <Tag key={key}>{inline(h.tokens, depth + 1)}</Tag>;
    }
    case 'paragraph':
      return <p key={key}>{inline((t as Tokens.Paragraph).tokens, depth + 1)}</p>;
    case 'text': {
      const x = t as Tokens.Text;
      return <span key={key}>{x.tokens ? inline(x.tokens, depth + 1) : x.text}</span>;
    }
    case 'code': {
      const c = t as Tokens.Code;
      const lang = (c.lang ?? '').split(/\s/)[0]?.replace(/[^\w+#.-]/g, '') ?? '';
      return (
        <pre key={key} className="md-code" data-lang={lang || undefined}>
          <code>{c.text}</code>
        </pre>
      );
    }
    case 'blockquote':
      return <blockquote key={key}>{blocks((t as Tokens.Blockquote).tokens, depth + 1)}</blockquote>;
    case 'list': {
      const l = t as Tokens.List;
      const items = l.items.map((item, i) => (
        <li key={i}>
          {item.task && <span className="md-task">{item.checked ? '☑ ' : '☐ '}</span>}
          {blocks(item.tokens.filter((x) => x.type !== 'checkbox'), depth + 1)}
        </li>
      ));
      return l.ordered ? (
        <ol key={key} start={typeof l.start === 'number' && l.start !== 1 ? l.start : undefined}>
          {items}
        </ol>
      ) : (
        <ul key={key}>{items}</ul>
      );
    }
    case 'table': {
      const tb = t as Tokens.Table;
      const align = (a: 'center' | 'left' | 'right' | null) => (a ? { textAlign: a } : undefined);
      return (
        <div key={key} className="md-table">
          <table>
            <thead>
              <tr>
                {tb.header.map((c, i) => (
                  <th key={i} style={align(c.align)}>{inline(c.tokens, depth + 1)}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {tb.rows.map((r, j) => (
                <tr key={j}>
                  {r.map((c, i) => (
                    <td key={i} style={align(c.align)}>{inline(c.tokens, depth + 1)}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      );
    }
    case 'hr':
      return <hr key={key} />;
    case 'html':
      // raw HTML from the transcript: shown as what it is, text
      return <pre key={key} className="md-html">{t.raw}</pre>;
    default:
      return 'tokens' in t && Array.isArray(t.tokens) ? <span key={key}>{inline(t.tokens, depth + 1)}</span> : <span key={key}>{t.raw}</span>;
  }
}

function inline(tokens: readonly Token[] | undefined, depth: number): ReactNode[] {
  return (tokens ?? []).map((t, i) => span(t, i, depth));
}

function span(t: Token, key: number, depth: number): ReactNode {
  if (depth > MAX_DEPTH) return <span key={key}>{t.raw}</span>;
  switch (t.type) {
    case 'text': {
      const x = t as Tokens.Text;
      return x.tokens ? <span key={key}>{inline(x.tokens, depth + 1)}</span> : decode(x.text);
    }
    case 'escape':
      return (t as Tokens.Escape).text;
    case 'strong':
      return <strong key={key}>{inline((t as Tokens.Strong).tokens, depth + 1)}</strong>;
    case 'em':
      return <em key={key}>{inline((t as Tokens.Em).tokens, depth + 1)}</em>;
    case 'del':
      return <del key={key}>{inline((t as Tokens.Del).tokens, depth + 1)}</del>;
    case 'codespan':
      return <code key={key}>{(t as Tokens.Codespan).text}</code>;
    case 'br':
      return <br key={key} />;
    case 'link': {
      const l = t as Tokens.Link;
      const href = safeHref(l.href);
      const body = inline(l.tokens, depth + 1);
      if (href === null) return <span key={key}>{l.raw}</span>;
      return (
        <a key={key} href={href} rel="noopener noreferrer nofollow" target="_blank">
          {body}
        </a>
      );
    }
    case 'image': {
      // never loaded (no request from a transcript): its alt text, a link when it may be one
      const im = t as Tokens.Image;
      const href = safeHref(im.href);
      const label = `[image: ${im.text || im.href}]`;
      return href === null ? (
        <span key={key} className="md-image">{label}</span>
      ) : (
        <a key={key} className="md-image" href={href} rel="noopener noreferrer nofollow" target="_blank">
          {label}
        </a>
      );
    }
    case 'html':
      return t.raw;
    case 'checkbox':
      return (t as Tokens.Checkbox).checked ? '☑ ' : '☐ ';
    default:
      return 'tokens' in t && Array.isArray(t.tokens) ? <span key={key}>{inline(t.tokens, depth + 1)}</span> : t.raw;
  }
}

/** marked's lexer leaves the entities of the source in text (its HTML renderer would pass them on): the few a transcript may hold, as characters. */
function decode(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(amp|lt|gt|quot|#39|#x27);/g, (_m, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#x27': "'" })[e] ?? _m);
}
