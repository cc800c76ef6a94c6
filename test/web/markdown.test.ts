// The chat's Markdown renderer (src/web/markdown.tsx) rendered by React itself (react-dom/server):
// Markdown becomes elements, and nothing from the transcript becomes markup of its own — raw HTML
// is text, images are never loaded, only http(s)/mailto addresses become links (rel noopener).
import { createElement } from 'react';
import { describe, expect, it } from 'vitest';
import { Markdown, safeHref } from '../../src/web/markdown.js';
import { chatItems } from '../../src/shared/chat-items.js';

// (react-dom has no type declarations here: the one function used, typed by hand)
const SERVER: string = 'react-dom/server';
const server = (await import(SERVER)) as { renderToStaticMarkup: (e: unknown) => string };
const html = (text: string) => server.renderToStaticMarkup(createElement(Markdown, { text }));

describe('the chat’s Markdown', () => {
  it('renders the usual Markdown as elements', () => {
    const out = html('# Title\n\nSome **bold**, *em*, ~~gone~~ and `code`.\n\n- one\n- [x] done\n\n1. a\n2. b\n\n> quoted\n\n```ts\nconst a = 1 < 2;\n```\n\n| a | b |\n|---|:-:|\n| 1 | 2 |\n');
    expect(out).toContain('<h1>Title</h1>');
    expect(out).toContain('<strong>bold</strong>');
    expect(out).toContain('<em>em</em>');
    expect(out).toContain('<del>gone</del>');
    expect(out).toContain('<code>code</code>');
    expect(out).toMatch(/<ul><li>.*one.*<\/li><li><span class="md-task">☑ <\/span>.*done/);
    expect(out).toContain('<ol>');
    expect(out).toContain('<blockquote>');
    expect(out).toContain('<pre class="md-code" data-lang="ts"><code>const a = 1 &lt; 2;</code></pre>');
    expect(out).toMatch(/<table>.*<th>a<\/th><th style="text-align:center">b<\/th>.*<td>1<\/td>/);
  });

  it('shows raw HTML as text: no element is made from the transcript', () => {
    const out = html('fix <img src=x onerror=alert(1)> please\n\n<script>alert(2)</script>\n\n<div onclick="x()">hi</div>');
    expect(out).not.toMatch(/<img|<script|<div onclick/);
    expect(out).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(out).toContain('&lt;script&gt;alert(2)&lt;/script&gt;');
  });

  it('links only http(s) and mailto, with rel=noopener; images are never loaded', () => {
    const out = html('[ok](https://example.com/a?b=1) [bad](javascript:alert(1)) [data](data:text/html,<b>x</b>) <https://auto.example> ![pic](http://img.example/x.png) ![js](javascript:alert(3))');
    expect(out).toContain('<a href="https://example.com/a?b=1" rel="noopener noreferrer nofollow" target="_blank">ok</a>');
    expect(out).not.toMatch(/href="(javascript|data):/i);
    expect(out).toContain('[bad](javascript:alert(1))');
    expect(out).toContain('href="https://auto.example/"');
    expect(out).not.toContain('<img');
    expect(out).toContain('[image: pic]');
    expect(out).toContain('<span class="md-image">[image: js]</span>');
    expect(safeHref(' JavaScript:alert(1)')).toBeNull();
    expect(safeHref('/relative')).toBeNull();
    expect(safeHref('mailto:a@b.c')).toBe('mailto:a@b.c');
  });

  it('keeps huge or deeply nested input bounded', () => {
    const deep = `${'> '.repeat(60)}deep`;
    expect(html(deep)).toContain('deep');
    const big = 'x'.repeat(300_000);
    expect(html(big)).toContain('<pre class="md-plain">');
  });
});

describe('transcript lines as chat items', () => {
  it('messages, tool calls and their results, thinking, plans', () => {
    const items = chatItems(
      [
        { type: 'user', message: { role: 'user', content: 'Plan it' } },
        { type: 'assistant', message: { content: [{ type: 'thinking', thinking: 'hmm' }, { type: 'text', text: 'Sure.' }, { type: 'tool_use', id: 't1', name: 'Bash', input: { command: 'ls -la\nmore' } }] } },
        { type: 'user', message: { content: [{ type: 'tool_result', tool_use_id: 't1', content: [{ type: 'text', text: 'a.txt' }], is_error: true }] } },
        { type: 'assistant', message: { content: [{ type: 'tool_use', id: 't2', name: 'ExitPlanMode', input: { plan: '1. do it' } }] } },
        { type: 'summary', summary: 'x' },
        'junk',
        { unparsed: '{' },
      ],
      10,
    );
    expect(items).toEqual([
      { kind: 'note', text: 'the transcript’s first 10 bytes are left out' },
      { kind: 'message', role: 'user', text: 'Plan it' },
      { kind: 'thinking', body: 'hmm' },
      { kind: 'message', role: 'assistant', text: 'Sure.' },
      { kind: 'tool', name: 'Bash', summary: 'ls -la', body: JSON.stringify({ command: 'ls -la\nmore' }, null, 2) },
      { kind: 'result', body: 'a.txt', error: true },
      { kind: 'plan', text: '1. do it' },
    ]);
  });
});
