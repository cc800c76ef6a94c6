// The help screen's state machine without rendering: its lines for a width (one column, two from
// 120), nothing cut, every command of the keymap reachable by scrolling, and the scroll clamped.
import { describe, expect, it } from 'vitest';
import { commandsIn, HELP_CONTEXTS } from '../../src/tui/keymap.js';
import { helpLayout, helpScroll, maxHelpScroll, TWO_COLUMNS_FROM, wrapWords } from '../../src/tui/help/use-help-state.js';

const len = (s: string) => Array.from(s).length;

/** Every description of the keymap, as the help's lines put it back together (wrapped lines joined). */
function descriptionsShown(width: number): string {
  const { rows } = helpLayout(width);
  const columns = rows[0]?.length ?? 1;
  const out: string[] = [];
  for (let c = 0; c < columns; c++) for (const r of rows) out.push(r[c]?.text ?? '');
  return out.join(' ').replace(/\s+/g, ' ');
}

describe('help layout', () => {
  it('wraps words on lines of at most the width, cutting only a word longer than that', () => {
    expect(wrapWords('Attach to the session’s agent', 10)).toEqual(['Attach to', 'the', 'session’s', 'agent']);
    expect(wrapWords('abcdefghijkl', 5)).toEqual(['abcde', 'fghij', 'kl']);
    expect(wrapWords('', 5)).toEqual(['']);
  });

  for (const width of [56, 76, 96, 116, 126, 196]) {
    it(`at ${width} columns: no cell wider than its column, every command listed, columns apart`, () => {
      const layout = helpLayout(width);
      expect(layout.columns).toBe(width >= TWO_COLUMNS_FROM ? 2 : 1);
      const textWidth = layout.colWidth - layout.keyWidth - 2;
      for (const row of layout.rows) {
        expect(row.length).toBe(layout.columns);
        for (const cell of row) {
          if (cell.title) expect(len(cell.text)).toBeLessThanOrEqual(layout.colWidth);
          else {
            expect(len(cell.keys), cell.keys).toBeLessThanOrEqual(layout.keyWidth);
            expect(len(cell.text), cell.text).toBeLessThanOrEqual(textWidth);
          }
        }
      }
      // two columns plus the gap fit the width: they cannot run together
      expect(layout.columns * layout.colWidth + (layout.columns - 1) * 3).toBeLessThanOrEqual(width);
      const shown = descriptionsShown(width);
      for (const ctx of HELP_CONTEXTS) for (const c of commandsIn(ctx)) expect(shown, `${ctx} ${c.id}`).toContain(c.description.replace(/\s+/g, ' '));
    });
  }

  it('scrolls by line and page, to the top and the bottom, and never past either end', () => {
    const layout = helpLayout(56); // 60×20: inside the border and padding
    const visible = 13;
    const max = maxHelpScroll(layout, visible);
    expect(max).toBeGreaterThan(20);
    expect(helpScroll('help.down', 0, max, visible)).toBe(1);
    expect(helpScroll('help.up', 0, max, visible)).toBe(0);
    expect(helpScroll('help.pageDown', 0, max, visible)).toBe(visible - 1);
    expect(helpScroll('help.pageUp', 5, max, visible)).toBe(0);
    expect(helpScroll('help.bottom', 0, max, visible)).toBe(max);
    expect(helpScroll('help.down', max, max, visible)).toBe(max);
    expect(helpScroll('help.pageDown', max - 1, max, visible)).toBe(max);
    expect(helpScroll('help.top', max, max, visible)).toBe(0);
    // the last screen ends with the last row
    expect(layout.rows.slice(max, max + visible).at(-1)).toBe(layout.rows.at(-1));
  });
});
