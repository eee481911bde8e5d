// Names for a list of events (programme and constituency, in the reader's language), loaded once per list.
import type { EventView } from "../../services/eventService.js";
import type { AppContext } from "../context.js";
import { eventLabel, type Reader } from "../conversations/eventFormat.js";

export interface NamedEvent {
  event: EventView;
  programme: string;
  territory: string;
  label: string;
}

export async function nameEvents(ctx: AppContext, events: readonly EventView[]): Promise<NamedEvent[]> {
  const { services } = ctx.deps;
  const programmes = await services.programmes.list("programme", { includeHidden: true });
  const territories = new Map<string, string>();
  for (const e of events) {
    if (!territories.has(e.code)) territories.set(e.code, await services.map.territoryName({ level: e.level, code: e.code }, ctx.lang));
  }
  const reader: Reader = { lang: ctx.lang, zone: ctx.deps.timeZone };
  return events.map((event) => {
    const programme = programmes.find((p) => p.key === event.programmeKey)?.name[ctx.lang] ?? event.programmeKey;
    const territory = territories.get(event.code) ?? event.code;
    return { event, programme, territory, label: eventLabel(reader, event, programme, territory) };
  });
}
