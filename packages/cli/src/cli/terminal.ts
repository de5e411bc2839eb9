/**
 * C0 and C1 control characters, DEL, and the bidirectional controls that
 * reorder what a terminal shows: none of them may reach a terminal from
 * server data (a status's last_worker, a failed message's body), where an
 * ESC sequence could move the cursor, recolour, retitle or hide lines.
 */
const CONTROL = /[\p{Cc}\u202a-\u202e\u2066-\u2069]/gu;
/** The same without the C0 range, which JSON.stringify escapes itself. */
const CONTROL_IN_JSON = /[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

const hex = (c: string, digits: number) => c.charCodeAt(0).toString(16).padStart(digits, '0');

/** Text for one line of a terminal: each control character as a visible escape (`\x1b`, `\n`). */
export function terminalText(text: string): string {
  return text.replace(
    CONTROL,
    (c) => NAMED[c] ?? (c <= '\u00ff' ? `\\x${hex(c, 2)}` : `\\u${hex(c, 4)}`),
  );
}

/** Indented JSON for a terminal; the escapes are JSON's own, so it parses to the same value. */
export function terminalJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(CONTROL_IN_JSON, (c) => `\\u${hex(c, 4)}`);
}

/** Writes one line of text made safe by terminalText. */
export function printLine(stream: NodeJS.WritableStream, text: string): void {
  stream.write(`${terminalText(text)}\n`);
}
