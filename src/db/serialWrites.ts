// Writes to one shared document, one at a time within this process.
//
// FerretDB 1.24 applies an update by reading the document and writing it back whole, with nothing in between to stop
// another update of the same document (FerretDB/FerretDB#3040): measured on both its backends, 100 concurrent $inc
// of one document left 9-10, and 100 concurrent $addToSet of different strings left 3-13, every one acknowledged
// as modified. MongoDB applies each atomically. The bot handles several chats at once, so documents that many
// people's actions write (a PC's calendar: every event of the PC) are written through this: one process never
// races itself. Copies of the bot on one FerretDB can still race each other; several copies need MongoDB
// (README.md, Deployment).
export interface SerialWrites {
  /** Runs `write` after every earlier write under the same key has settled (succeeded or failed). */
  run<T>(key: string, write: () => Promise<T>): Promise<T>;
  /** Keys with a write running or waiting (for tests). */
  readonly busy: number;
}

export function createSerialWrites(): SerialWrites {
  const tails = new Map<string, Promise<unknown>>();
  return {
    run(key, write) {
      const before = tails.get(key) ?? Promise.resolve();
      const result = before.then(write, write);
      const tail = result.then(
        () => undefined,
        () => undefined,
      );
      tails.set(key, tail);
      // The last writer of a key forgets it, so the map holds only keys in use.
      void tail.then(() => {
        if (tails.get(key) === tail) tails.delete(key);
      });
      return result;
    },
    get busy() {
      return tails.size;
    },
  };
}
