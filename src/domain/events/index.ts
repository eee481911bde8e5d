// Pure rules for events and reports: reading dates and numbers people type, validation, and event states.
export * from "./when.js";
export * from "./counts.js";
export * from "./state.js";
export * from "./who.js";
export * from "./text.js";
