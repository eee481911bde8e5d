// What delivery needs from the rest of the app, as narrow interfaces that the caller implements. Delivery imports
// nothing from services/ (services import delivery's public interface, index.ts): whoever starts the worker passes
// objects that fit these (background.ts passes the person service and the outbox service).

/** Marks a person who blocked the bot (Telegram answered 403): /team shows it, so their appointer can follow up. */
export interface BlockedPeople {
  markBlocked(telegramId: number): Promise<unknown>;
}

/** Tells a local worker that something was queued, so that it looks at once instead of at its next poll. */
export interface EnqueueSignal {
  /** Returns a function that stops listening. */
  onEnqueued(listener: () => void): () => void;
}
