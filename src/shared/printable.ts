// Text from an agent (its screen, the files it wrote) drawn on the user's terminal: control
// characters and escape sequences could move the cursor, retitle the window, rewrite the
// clipboard (OSC 52) or hide what is really there. printable() shows each as a visible caret
// form (ESC as ^[, DEL as ^?, a C1 control as its M-^ form), keeping newlines and tabs.

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

export function printable(text: string): string {
  return text.replace(CONTROL, (c) => {
    const code = c.charCodeAt(0);
    if (code === 0x7f) return '^?';
    if (code >= 0x80) return `M-^${String.fromCharCode(code - 0x80 + 0x40)}`;
    return `^${String.fromCharCode(code + 0x40)}`;
  });
}
