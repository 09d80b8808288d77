/**
 * Characters refused in what people name and write: control characters (a template may hold
 * line breaks and tabs) and the invisible Unicode controls that reorder text on screen (bidi
 * overrides, embeddings, isolates and marks), which can make a tag or a message read otherwise
 * than it is stored.
 */
const CONTROL = /\p{Cc}/u;
const CONTROL_BUT_LINE_BREAKS = /[^\P{Cc}\n\r\t]/u;
const BIDI_CONTROLS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;

/** Why `text` is refused, or undefined. `lineBreaks`: newlines, returns and tabs are allowed (message bodies). */
export function unsafeCharacters(text: string, opts: { lineBreaks?: boolean } = {}): string | undefined {
  if ((opts.lineBreaks ? CONTROL_BUT_LINE_BREAKS : CONTROL).test(text)) return 'control characters';
  if (BIDI_CONTROLS.test(text)) return 'characters that reorder text (bidirectional controls)';
  return undefined;
}
