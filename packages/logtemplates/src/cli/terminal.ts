// Text from log files is untrusted: printed raw to a terminal, escape sequences in it could move
// the cursor, rewrite earlier output, set the window title or worse. Everything the table modes
// print from input goes through forTerminal. (The --json modes are safe: JSON.stringify escapes
// every control character.)

// CSI ("ESC [ ... final"), OSC ("ESC ] ... BEL|ST"), DCS/SOS/PM/APC strings, and 2-byte escapes.
// eslint-disable-next-line no-control-regex
const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[PX^_][^\x1b]*(?:\x1b\\)?|\x1b[@-Z\\-_]?|\x9b[0-?]*[ -/]*[@-~]/g;
// Remaining C0 controls (tab kept), DEL and C1 controls.
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/g;

/** The text with terminal escape sequences removed and other control characters shown as "?". */
export function forTerminal(text: string): string {
  return text.replace(ESCAPES, "").replace(CONTROLS, "?");
}
