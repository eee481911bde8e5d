// "One phone screen", concretely: a 360-pixel phone shows about 40 characters a line and 18 lines of a message
// above the keyboard. A text's screen lines are its lines wrapped at spaces to 40 characters (a longer word is cut),
// counted in code points (Devanagari vowel signs take less room than that: a conservative count).
import { visibleText } from "../../src/messages/split.js";
import { PHONE_SCREEN } from "../../src/messages/rollup.js";

export function screenLines(html: string, columns = PHONE_SCREEN.columns): string[] {
  const out: string[] = [];
  for (const line of visibleText(html).split("\n")) {
    let current = "";
    for (const word of line.split(/ +/)) {
      let w = [...word];
      while (w.length > columns) {
        if (current) out.push(current);
        out.push(w.slice(0, columns).join(""));
        current = "";
        w = w.slice(columns);
      }
      const next = current ? `${current} ${w.join("")}` : w.join("");
      if ([...next].length > columns) {
        out.push(current);
        current = w.join("");
      } else current = next;
    }
    out.push(current);
  }
  return out;
}
