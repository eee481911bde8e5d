// Server-Sent Events: every page that is open gets what happens in the demo chats as it happens (new messages
// both ways, edits, deletions, callback answers, "typing…", a chat's command menu set anew). The page filters by the chat it shows, and counts
// unread messages for the others.
import type { ServerResponse } from "node:http";
import type { CallRecord, LocalBotApi } from "../localBotApi/index.js";
import { messageView } from "./view.js";

export type FeedEvent =
  | { type: "message"; chatId: number; message: ReturnType<typeof messageView> }
  | { type: "edit"; chatId: number; message: ReturnType<typeof messageView> }
  | { type: "delete"; chatId: number; messageId: number }
  | { type: "callbackAnswer"; chatId: number; queryId: string; text?: string; showAlert?: boolean }
  | { type: "chatAction"; chatId: number; action: string }
  // The page reads the menu again (GET /api/chats/:id), which resolves the scopes as Telegram's apps do.
  | { type: "commands"; chatId: number };

/** The chat whose own command menu a setMyCommands/deleteMyCommands call changed (chat scope), if any. */
export function menuChatOf(call: CallRecord): number | undefined {
  if (!call.ok || (call.method !== "setMyCommands" && call.method !== "deleteMyCommands")) return undefined;
  let scope: unknown = call.params.scope;
  if (typeof scope === "string") {
    try {
      scope = JSON.parse(scope);
    } catch {
      return undefined;
    }
  }
  const s = scope as { type?: unknown; chat_id?: unknown } | undefined;
  return s?.type === "chat" && Number.isSafeInteger(Number(s.chat_id)) ? Number(s.chat_id) : undefined;
}

const HEARTBEAT_MS = 15_000;

export class LiveFeed {
  private readonly clients = new Set<ServerResponse>();
  /** Which chat a callback query came from: answerCallbackQuery names only the query. */
  private readonly queryChats = new Map<string, number>();
  private readonly detach: () => void;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    private readonly api: LocalBotApi,
    private readonly isDemoChat: (chatId: number) => boolean,
  ) {
    const events = api.events;
    const onMessage = (m: { chat: { id: number } }, entry: Parameters<typeof messageView>[0]) =>
      this.publish({ type: "message", chatId: m.chat.id, message: messageView(entry) });
    const onEdit = (m: { chat: { id: number }; message_id: number }) => {
      const entry = api.message(m.chat.id, m.message_id);
      if (entry) this.publish({ type: "edit", chatId: m.chat.id, message: messageView(entry) });
    };
    const onDelete = (chatId: number, messageId: number) => this.publish({ type: "delete", chatId, messageId });
    const onAnswer = (queryId: string, answer: { text?: string; show_alert?: boolean }) => {
      const chatId = this.queryChats.get(queryId);
      if (chatId === undefined) return;
      this.queryChats.delete(queryId);
      this.publish({
        type: "callbackAnswer",
        chatId,
        queryId,
        ...(answer.text ? { text: answer.text } : {}),
        ...(answer.show_alert ? { showAlert: true } : {}),
      });
    };
    const onAction = (chatId: number, action: string) => this.publish({ type: "chatAction", chatId, action });
    const onCall = (call: CallRecord) => {
      const chatId = menuChatOf(call);
      if (chatId !== undefined) this.publish({ type: "commands", chatId });
    };
    events.on("botMessage", onMessage);
    events.on("userMessage", onMessage);
    events.on("edit", onEdit);
    events.on("delete", onDelete);
    events.on("callbackAnswer", onAnswer);
    events.on("chatAction", onAction);
    events.on("call", onCall);
    this.detach = () => {
      events.off("botMessage", onMessage);
      events.off("userMessage", onMessage);
      events.off("edit", onEdit);
      events.off("delete", onDelete);
      events.off("callbackAnswer", onAnswer);
      events.off("chatAction", onAction);
      events.off("call", onCall);
    };
    // Proxies and browsers drop a silent stream; a comment line keeps it open.
    this.heartbeat = setInterval(() => this.write(": keep-alive\n\n"), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /** Remembers the chat of a query the page sent, so that its answer reaches that chat. */
  noteQuery(queryId: string, chatId: number): void {
    this.queryChats.set(queryId, chatId);
  }

  subscribe(res: ServerResponse): void {
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      connection: "keep-alive",
      "x-content-type-options": "nosniff",
    });
    // Tell the browser how soon to reconnect after the sandbox restarts.
    res.write("retry: 1000\n\n");
    this.clients.add(res);
    res.on("close", () => this.clients.delete(res));
  }

  get subscribers(): number {
    return this.clients.size;
  }

  close(): void {
    this.detach();
    clearInterval(this.heartbeat);
    for (const res of this.clients) res.end();
    this.clients.clear();
  }

  private publish(event: FeedEvent): void {
    if (!this.isDemoChat(event.chatId)) return;
    const { type, ...data } = event;
    this.write(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  private write(chunk: string): void {
    for (const res of this.clients) if (!res.destroyed) res.write(chunk);
  }
}
