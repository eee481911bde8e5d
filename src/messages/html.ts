// Messages use parse_mode HTML: any text that came from people (names, venues, notes) is escaped before it is put
// into one. Shared by the bot's replies and the jobs' messages.
export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
