// The sandbox page's behaviour: act as a demo person in a Telegram-like chat with the real bot.
// Everything on screen is built with DOM calls from plain data: message text is rendered from Telegram's entities
// (bold, italic, links...) with textContent, never parsed as HTML, so nothing the bot or a person wrote can
// inject markup. Data comes from /api/* (see webServer.ts); live changes arrive as Server-Sent Events.
/* global document, window, localStorage, navigator, fetch, EventSource, URL, URLSearchParams, setTimeout, clearTimeout */

const $ = (id) => document.getElementById(id);

const state = {
  /** The page's own language (the bot speaks each person's). */
  lang: localStorage.getItem("sandbox.lang") || ((navigator.language || "").toLowerCase().startsWith("en") ? "en" : "hi"),
  strings: {},
  bot: { name: "", username: "" },
  timeZone: "Asia/Kolkata",
  people: [],
  current: undefined,
  /** chatId → { views: Map<messageId, view>, replyKeyboard, commands } for the person shown. */
  chat: undefined,
  unread: new Map(),
  keyboardHidden: false,
  typingTimer: undefined,
  /** Where showNewest last scrolled the chat to: the reader has not scrolled away while it is still there. */
  placedAt: undefined,
};

// --- Strings ----------------------------------------------------------------------------------------------------

function s(key, values = {}) {
  const text = key.split(".").reduce((node, part) => (node && typeof node === "object" ? node[part] : undefined), state.strings.page);
  if (typeof text !== "string") return key;
  return text.replace(/\{\{(\w+)\}\}/g, (_, name) => String(values[name] ?? ""));
}

// --- API ----------------------------------------------------------------------------------------------------------

async function api(path, options = {}) {
  const response = await fetch(path, options);
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = new Error(body.error || response.statusText);
    error.status = response.status;
    throw error;
  }
  return body;
}

function postJson(path, body) {
  return api(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
}

// --- Start-up -------------------------------------------------------------------------------------------------------

async function boot() {
  await loadBootstrap();
  const fromHash = new URLSearchParams(window.location.hash.slice(1)).get("person");
  const remembered = localStorage.getItem("sandbox.person");
  const pick =
    state.people.find((p) => p.key === fromHash || String(p.id) === fromHash) ||
    state.people.find((p) => String(p.id) === remembered) ||
    state.people.find((p) => p.key === "pc") ||
    state.people[0];
  await selectPerson(pick.id);
  connectEvents();
  wireComposer();
  document.body.dataset.ready = "true";
}

async function loadBootstrap() {
  const data = await api(`/api/bootstrap?lang=${encodeURIComponent(state.lang)}`);
  state.strings = data.strings;
  state.bot = data.bot;
  state.people = data.people;
  state.timeZone = data.timeZone || state.timeZone;
  document.documentElement.lang = state.lang;
  document.title = s("title");
  $("bot-name").textContent = state.bot.name;
  $("you-are").textContent = s("youAre");
  $("banner").textContent = s("banner");
  $("offline").textContent = s("offline");
  state.switchTo = data.switchLanguage.to;
  $("lang-toggle").textContent = data.switchLanguage.label;
  $("text").placeholder = s("placeholder");
  $("send").setAttribute("aria-label", s("send"));
  $("send").title = s("send");
  $("photo-button").setAttribute("aria-label", s("photo"));
  $("photo-button").title = s("photo");
  $("menu-button").setAttribute("aria-label", s("menu"));
  $("menu-button").title = s("menu");
  $("alert-ok").textContent = s("ok");
  $("invite-cancel").textContent = s("cancel");
  $("photo-close").setAttribute("aria-label", s("close"));
  $("photo-close").title = s("close");
  setStatus();
  renderSwitcher();
}

function renderSwitcher() {
  const select = $("person");
  select.replaceChildren(
    ...state.people.map((p) => {
      const option = document.createElement("option");
      option.value = String(p.id);
      const unread = state.unread.get(p.id) || 0;
      option.textContent = `${p.name} · ${p.role}${unread ? ` (${unread})` : ""}`;
      option.dataset.key = p.key;
      return option;
    }),
  );
  if (state.current) select.value = String(state.current.id);
}

async function selectPerson(id) {
  const person = state.people.find((p) => p.id === Number(id));
  if (!person) return;
  state.current = person;
  state.unread.delete(person.id);
  localStorage.setItem("sandbox.person", String(person.id));
  document.body.dataset.person = person.key;
  renderSwitcher();
  // What was shown for the previous person is not this one's.
  $("commands").hidden = true;
  $("toast").hidden = true;
  clearTyping();
  await loadChat();
}

async function loadChat() {
  const person = state.current;
  const data = await api(`/api/chats/${person.id}`);
  if (state.current !== person) return; // switched again meanwhile
  state.chat = { views: new Map(data.messages.map((m) => [m.id, m])), replyKeyboard: data.replyKeyboard, commands: data.commands };
  state.keyboardHidden = false;
  renderMessages();
  renderReplyKeyboard();
  renderCommands();
  scrollToBottom(true);
}

// --- Live events ------------------------------------------------------------------------------------------------

function connectEvents() {
  const source = new EventSource("/api/events");
  let wasDown = false;
  source.addEventListener("open", () => {
    $("offline").hidden = true;
    document.body.dataset.live = "true";
    // Anything may have happened while we were away (or the sandbox restarted): read it all again.
    if (wasDown) loadBootstrap().then(loadChat).catch(() => {});
    wasDown = false;
  });
  source.addEventListener("error", () => {
    wasDown = true;
    $("offline").hidden = false;
    document.body.dataset.live = "false";
  });
  const on = (type, handler) => source.addEventListener(type, (event) => handler(JSON.parse(event.data)));
  on("message", ({ chatId, message }) => {
    if (!isCurrent(chatId)) return countUnread(chatId, message);
    const isNew = !state.chat.views.has(message.id);
    state.chat.views.set(message.id, message);
    if (message.from === "bot") {
      clearTyping();
      if (message.replyKeyboard) {
        state.chat.replyKeyboard = message.replyKeyboard === "remove" ? null : message.replyKeyboard;
        state.keyboardHidden = false;
        renderReplyKeyboard();
      }
    } else if (state.chat.replyKeyboard?.oneTime) {
      state.chat.replyKeyboard = null;
      renderReplyKeyboard();
    }
    // Follow the conversation if the reader was at its end, or where the page last put them (the top of a tall
    // message), or just sent something; measured before it grows.
    const follow = message.from === "user" || nearBottom() || $("messages").scrollTop === state.placedAt;
    if (isNew) appendMessage(message);
    else replaceMessage(message);
    if (follow) showNewest(message.id);
    // The bot may have changed this chat's command menu (/language does).
    if (message.from === "bot") refreshCommandsSoon();
  });
  on("edit", ({ chatId, message }) => {
    if (!isCurrent(chatId)) return;
    state.chat.views.set(message.id, message);
    replaceMessage(message, true);
  });
  on("delete", ({ chatId, messageId }) => {
    if (!isCurrent(chatId)) return;
    state.chat.views.delete(messageId);
    document.querySelector(`.msg[data-id="${messageId}"]`)?.remove();
    if (state.chat.views.size === 0) renderMessages();
  });
  // setMyCommands for this chat (/language, a role granted or revoked): the menu is read again.
  on("commands", ({ chatId }) => {
    if (isCurrent(chatId)) refreshCommandsSoon();
  });
  on("callbackAnswer", ({ chatId, text, showAlert }) => {
    if (!isCurrent(chatId) || !text) return;
    if (showAlert) showAlertDialog(text);
    else toast(text);
  });
  on("chatAction", ({ chatId, action }) => {
    if (!isCurrent(chatId) || action !== "typing") return;
    setStatus(true);
    clearTimeout(state.typingTimer);
    state.typingTimer = setTimeout(() => setStatus(false), 5000);
  });
}

function isCurrent(chatId) {
  return state.current && state.chat && chatId === state.current.id;
}

function countUnread(chatId, message) {
  if (message.from !== "bot") return;
  state.unread.set(chatId, (state.unread.get(chatId) || 0) + 1);
  renderSwitcher();
}

function setStatus(typing = false) {
  const status = $("status");
  status.textContent = typing ? s("typing") : `${s("bot")} · @${state.bot.username}`;
  status.classList.toggle("typing", typing);
}

function clearTyping() {
  clearTimeout(state.typingTimer);
  setStatus(false);
}

let commandsTimer;
function refreshCommandsSoon() {
  clearTimeout(commandsTimer);
  const person = state.current;
  commandsTimer = setTimeout(() => {
    api(`/api/chats/${person.id}`)
      .then((data) => {
        if (state.current !== person) return;
        state.chat.commands = data.commands;
        renderCommands();
      })
      .catch(() => {});
  }, 300);
}

// --- Messages ---------------------------------------------------------------------------------------------------

function renderMessages() {
  const container = $("messages");
  const views = [...state.chat.views.values()].sort((a, b) => a.id - b.id);
  if (views.length === 0) {
    const empty = document.createElement("div");
    empty.className = "empty";
    empty.textContent = s("empty");
    const start = document.createElement("button");
    start.type = "button";
    start.className = "start";
    start.textContent = s("start");
    start.addEventListener("click", () => sendText("/start"));
    empty.append(start);
    container.replaceChildren(empty);
    return;
  }
  container.replaceChildren(...views.map(messageElement));
}

function appendMessage(view) {
  const container = $("messages");
  container.querySelector(".empty")?.remove();
  // Events can arrive out of order with a reload: keep message order by id.
  const later = [...container.querySelectorAll(".msg")].find((el) => Number(el.dataset.id) > view.id);
  const element = messageElement(view);
  if (later) container.insertBefore(element, later);
  else container.append(element);
}

function replaceMessage(view, flash = false) {
  const old = document.querySelector(`.msg[data-id="${view.id}"]`);
  if (!old) return appendMessage(view);
  const element = messageElement(view);
  if (flash) element.classList.add("flash");
  old.replaceWith(element);
}

function messageElement(view) {
  const wrapper = document.createElement("div");
  wrapper.className = `msg ${view.from}`;
  wrapper.dataset.id = String(view.id);
  // One album's photos (a media group) sit together, as Telegram shows them in one block.
  if (view.album) {
    wrapper.classList.add("album");
    wrapper.dataset.album = view.album;
  }
  const bubble = document.createElement("div");
  bubble.className = "bubble";
  if (view.photo) {
    const img = document.createElement("img");
    img.className = "photo";
    img.alt = "";
    img.src = `/api/files/${encodeURIComponent(view.photo.fileId)}`;
    img.width = view.photo.width;
    img.height = view.photo.height;
    img.style.aspectRatio = `${view.photo.width} / ${view.photo.height}`;
    img.style.height = "auto";
    // A tap opens it full size, as in Telegram.
    img.addEventListener("click", () => openPhoto(img.src, view.photo));
    bubble.append(img);
  }
  if (view.document) bubble.append(documentElement(view.document));
  if (view.other) {
    const other = document.createElement("div");
    other.className = "other";
    other.textContent = `${s(view.other.kind)} ${view.other.label}`.trim();
    bubble.append(other);
  }
  if (view.text !== undefined) {
    const text = document.createElement("div");
    text.className = "text";
    text.append(renderEntities(view.text, view.entities || []));
    bubble.append(text);
  }
  const meta = document.createElement("span");
  meta.className = "meta";
  if (view.edited) {
    const edited = document.createElement("span");
    edited.className = "edited";
    edited.textContent = s("edited");
    meta.append(edited);
  }
  meta.append(formatTime(view.date));
  // The meta floats at the end of the last line of text, as in Telegram.
  (bubble.querySelector(".text") || bubble).append(meta);
  wrapper.append(bubble);
  if (view.buttons) wrapper.append(inlineKeyboard(view));
  return wrapper;
}

function documentElement(doc) {
  const box = document.createElement("div");
  box.className = "document";
  const icon = document.createElement("span");
  icon.className = "file-icon";
  icon.textContent = (doc.name.split(".").pop() || "").slice(0, 4).toUpperCase();
  const link = document.createElement("a");
  link.href = `/api/files/${encodeURIComponent(doc.fileId)}`;
  link.download = doc.name;
  link.textContent = doc.name;
  link.title = s("download");
  box.append(icon, link);
  return box;
}

function formatTime(unixSeconds) {
  try {
    // As the bot writes times (messages/time.ts): "दोपहर 2:22" in Hindi, not "02:22 pm"; "2:22 pm" in English.
    const hindi = state.lang === "hi";
    return new Intl.DateTimeFormat(hindi ? "hi-IN" : "en-IN", {
      hour: "numeric",
      minute: "2-digit",
      ...(hindi ? { dayPeriod: "short" } : {}),
      timeZone: state.timeZone,
    }).format(new Date(unixSeconds * 1000));
  } catch {
    return "";
  }
}

/**
 * Telegram's entities → DOM. Entities nest (bold inside a link...); offsets are UTF-16 code units, as JavaScript
 * strings are, so slicing the text by them is exact. Unknown entity types are shown as plain text.
 */
function renderEntities(text, entities) {
  const sorted = [...entities].sort((a, b) => a.offset - b.offset || b.length - a.length);
  const build = (from, to, list, detect) => {
    const fragment = document.createDocumentFragment();
    let position = from;
    let i = 0;
    while (i < list.length) {
      const entity = list[i];
      const start = Math.max(entity.offset, position);
      const end = Math.min(entity.offset + entity.length, to);
      const inner = [];
      let j = i + 1;
      while (j < list.length && list[j].offset < entity.offset + entity.length) inner.push(list[j++]);
      if (start > position) appendPlain(fragment, text.slice(position, start), detect);
      if (end > start) {
        const element = entityElement(entity, text.slice(entity.offset, entity.offset + entity.length));
        element.append(build(start, end, inner, detect && !NO_DETECT.has(entity.type)));
        fragment.append(element);
        position = end;
      }
      i = j;
    }
    if (position < to) appendPlain(fragment, text.slice(position, to), detect);
    return fragment;
  };
  return build(0, text.length, sorted, true);
}

/** Inside these, a "/command" or an address is not made tappable. */
const NO_DETECT = new Set(["code", "pre", "text_link", "url", "bot_command", "email"]);
/** Commands and web addresses in plain text, which Telegram's apps make tappable. */
const DETECT = /(^|[\s(«“"'])(\/[A-Za-z0-9_]{1,32})(?![A-Za-z0-9_@/])|(https?:\/\/[^\s<>"«»“”]+[^\s<>"«»“”.,;:!?)\]'])/g;

function appendPlain(fragment, text, detect) {
  if (!detect) return fragment.append(text);
  let position = 0;
  for (const match of text.matchAll(DETECT)) {
    const lead = match[1] ?? "";
    const start = match.index + lead.length;
    const covered = match[2] ?? match[3];
    if (start > position) fragment.append(text.slice(position, start));
    const element = entityElement({ type: match[2] ? "bot_command" : "url" }, covered);
    element.append(covered);
    fragment.append(element);
    position = start + covered.length;
  }
  if (position < text.length) fragment.append(text.slice(position));
}

function entityElement(entity, covered) {
  const make = (tag, className) => {
    const element = document.createElement(tag);
    if (className) element.className = className;
    return element;
  };
  switch (entity.type) {
    case "bold":
      return make("b");
    case "italic":
      return make("i");
    case "underline":
      return make("u");
    case "strikethrough":
      return make("s");
    case "code":
      return make("code");
    case "pre":
      return make("pre");
    case "blockquote":
    case "expandable_blockquote":
      return make("blockquote");
    case "spoiler": {
      const element = make("span", "spoiler");
      element.addEventListener("click", () => element.classList.add("revealed"));
      return element;
    }
    case "text_link":
      return linkElement(entity.url);
    case "url":
      return linkElement(/^[a-z][a-z0-9+.-]*:/i.test(covered) ? covered : `http://${covered}`);
    case "bot_command": {
      // Tapping a command in a message sends it, as in Telegram.
      const element = make("span", "command");
      element.addEventListener("click", () => sendText(covered.replace(/@\w+$/, "")));
      return element;
    }
    default:
      return make("span");
  }
}

function linkElement(href) {
  const link = document.createElement("a");
  const invite = inviteOf(href);
  if (invite !== undefined) {
    link.href = "#";
    link.addEventListener("click", (event) => {
      event.preventDefault();
      openInvite(invite);
    });
    return link;
  }
  // Only web links are followed; anything else (javascript:, data:...) stays inert text.
  if (/^https?:\/\//i.test(href)) {
    link.href = href;
    link.target = "_blank";
    link.rel = "noopener noreferrer";
  }
  return link;
}

/** The start payload of a t.me link to this bot (an invite), else undefined. */
function inviteOf(href) {
  try {
    const url = new URL(href);
    const bot = state.bot.username.toLowerCase();
    if (!/^(www\.)?(t\.me|telegram\.me)$/i.test(url.hostname)) return undefined;
    if (url.pathname.replace(/^\//, "").toLowerCase() !== bot) return undefined;
    return url.searchParams.get("start") ?? "";
  } catch {
    return undefined;
  }
}

function openInvite(payload) {
  const dialog = $("invite-dialog");
  $("invite-title").textContent = s("openInviteAs");
  $("invite-people").replaceChildren(
    ...state.people.map((p) => {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = `${p.name} · ${p.role}`;
      button.addEventListener("click", async () => {
        dialog.close();
        await selectPerson(p.id);
        await sendText(payload ? `/start ${payload}` : "/start");
      });
      return button;
    }),
  );
  dialog.showModal();
}

function inlineKeyboard(view) {
  const keyboard = document.createElement("div");
  keyboard.className = "inline-keyboard";
  for (const row of view.buttons) {
    const rowElement = document.createElement("div");
    rowElement.className = "row";
    for (const button of row) {
      if (button.url !== undefined) {
        const link = linkElement(button.url);
        link.textContent = button.text;
        rowElement.append(link);
        continue;
      }
      const element = document.createElement("button");
      element.type = "button";
      element.textContent = button.text;
      if (button.data !== undefined) element.addEventListener("click", () => tapInline(view.id, button.data, element));
      else element.disabled = true;
      rowElement.append(element);
    }
    keyboard.append(rowElement);
  }
  return keyboard;
}

async function tapInline(messageId, data, element) {
  element.classList.add("pending");
  try {
    await postJson(`/api/chats/${state.current.id}/callbacks`, { messageId, data });
  } catch (error) {
    toast(error.status === 409 ? s("buttonGone") : s("sendFailed", { reason: error.message }));
  } finally {
    setTimeout(() => element.classList.remove("pending"), 400);
  }
}

// --- Reply keyboard, commands, composer ---------------------------------------------------------------------------

function renderReplyKeyboard() {
  const panel = $("reply-keyboard");
  const keyboard = state.chat?.replyKeyboard;
  $("keyboard-toggle").hidden = !keyboard;
  $("text").placeholder = keyboard?.placeholder || s("placeholder");
  if (!keyboard || state.keyboardHidden) {
    panel.hidden = true;
    panel.replaceChildren();
    const label = keyboard ? s("showKeyboard") : "";
    $("keyboard-toggle").title = label;
    $("keyboard-toggle").setAttribute("aria-label", label);
    return;
  }
  $("keyboard-toggle").title = s("hideKeyboard");
  $("keyboard-toggle").setAttribute("aria-label", s("hideKeyboard"));
  panel.replaceChildren(
    ...keyboard.rows.map((row) => {
      const rowElement = document.createElement("div");
      rowElement.className = "row";
      for (const button of row) {
        const element = document.createElement("button");
        element.type = "button";
        element.textContent = button.text;
        element.addEventListener("click", () => {
          if (button.kind === "contact") send({ contact: true });
          else if (button.kind === "location") send({ location: true });
          else sendText(button.text);
        });
        rowElement.append(element);
      }
      return rowElement;
    }),
  );
  panel.hidden = false;
}

function renderCommands() {
  const panel = $("commands");
  const commands = state.chat?.commands || [];
  $("menu-button").hidden = commands.length === 0;
  panel.replaceChildren(
    ...commands.map((c) => {
      const button = document.createElement("button");
      button.type = "button";
      const name = document.createElement("span");
      name.className = "cmd";
      name.textContent = `/${c.command}`;
      button.append(name, c.description);
      button.addEventListener("click", () => {
        panel.hidden = true;
        sendText(`/${c.command}`);
      });
      return button;
    }),
  );
}

function wireComposer() {
  const text = $("text");
  $("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    submitText();
  });
  text.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submitText();
    }
  });
  text.addEventListener("input", autoGrow);
  $("person").addEventListener("change", (event) => selectPerson(event.target.value));
  $("menu-button").addEventListener("click", () => ($("commands").hidden = !$("commands").hidden));
  $("keyboard-toggle").addEventListener("click", () => {
    state.keyboardHidden = !state.keyboardHidden;
    renderReplyKeyboard();
  });
  $("photo-button").addEventListener("click", () => $("photo-input").click());
  $("photo-input").addEventListener("change", async (event) => {
    const file = event.target.files[0];
    event.target.value = "";
    if (file) await sendPhoto(file);
  });
  // Any tap on the open photo closes it (the picture itself included: there is nothing else to do with it).
  $("photo-viewer").addEventListener("click", () => $("photo-viewer").close());
  $("lang-toggle").addEventListener("click", async () => {
    state.lang = state.switchTo;
    localStorage.setItem("sandbox.lang", state.lang);
    await loadBootstrap();
    renderMessages();
    renderReplyKeyboard();
  });
}

function autoGrow() {
  const text = $("text");
  text.style.height = "auto";
  text.style.height = `${Math.min(text.scrollHeight, 120)}px`;
}

function submitText() {
  const text = $("text");
  const value = text.value.trim();
  if (!value) return;
  text.value = "";
  autoGrow();
  sendText(value).catch(() => {
    text.value = value; // nothing typed is lost
  });
}

function sendText(value) {
  $("commands").hidden = true;
  return send({ text: value });
}

async function send(body) {
  try {
    await postJson(`/api/chats/${state.current.id}/messages`, body);
  } catch (error) {
    toast(s("sendFailed", { reason: error.message }));
    throw error;
  }
}

async function sendPhoto(file) {
  const caption = $("text").value.trim();
  const query = caption ? `?caption=${encodeURIComponent(caption)}` : "";
  try {
    await api(`/api/chats/${state.current.id}/photo${query}`, { method: "POST", headers: { "content-type": file.type || "image/jpeg" }, body: file });
    $("text").value = "";
    autoGrow();
  } catch (error) {
    toast(s("sendFailed", { reason: error.message }));
  }
}

function nearBottom() {
  const container = $("messages");
  return container.scrollHeight - container.scrollTop - container.clientHeight < 160;
}

function scrollToBottom(force) {
  const container = $("messages");
  if (force || nearBottom()) container.scrollTop = container.scrollHeight;
}

/**
 * Brings a new message into view: one taller than the chat area is shown from its top (its first lines are the
 * ones to read; the rest is a scroll away), any other by scrolling to the end, as Telegram does.
 */
function showNewest(messageId) {
  const container = $("messages");
  const element = container.querySelector(`.msg[data-id="${messageId}"]`);
  if (element && element.offsetHeight > container.clientHeight) {
    container.scrollTop += element.getBoundingClientRect().top - container.getBoundingClientRect().top;
  } else {
    container.scrollTop = container.scrollHeight;
  }
  state.placedAt = container.scrollTop;
}

// --- Notices ------------------------------------------------------------------------------------------------------

let toastTimer;
function toast(text) {
  const element = $("toast");
  element.textContent = text;
  element.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (element.hidden = true), 3000);
}

/** The photo viewer: the picture at its own size (up to the screen), closed by a tap anywhere, ✕ or Escape. */
function openPhoto(src, photo) {
  const viewer = $("photo-viewer");
  const img = $("photo-full");
  img.src = src;
  img.width = photo.width;
  img.height = photo.height;
  viewer.showModal();
}

function showAlertDialog(text) {
  $("alert-text").textContent = text;
  $("alert").showModal();
}

boot().catch((error) => {
  document.body.dataset.ready = "error";
  $("offline").hidden = false;
  $("offline").textContent = String(error.message || error);
});
