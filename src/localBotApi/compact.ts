/** Drops undefined properties, so results serialise and compare like Telegram's (absent, not null). */
export function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
