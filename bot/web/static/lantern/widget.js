/*
 * Lantern chat widget. Embed with one tag, no build step:
 *
 *   <script src="https://practice.example/static/lantern/widget.js" defer
 *     data-bot-url="https://bot.practice.example" data-region="uk"
 *     data-title="Lantern" data-practice="Harbour Lane Therapy"
 *     data-privacy-url="/privacy" data-retention-days="90"
 *     data-exit-url="https://www.google.com/" data-accent="#1f5f74"
 *     data-position="right"></script>
 *
 * Works under a strict Content-Security-Policy (no inline script or style, no eval).
 * Everything from the bot or the visitor is drawn with textContent; links come only
 * from structured payloads and only as https:, tel: or sms:. The crisis services are
 * a static file shipped beside this script, so "Get help now" works with the bot down.
 *
 * My notes: a private journal and mood check-ins. They are kept only on this device, in
 * localStorage under "lantern-notes", and only while the visitor turns keeping on; each
 * saved entry, and a check-in's words, are sent once to the web process's /notes/screen to
 * be checked for risk (it keeps nothing), and never to the chat. The mood chart's summary
 * is worked out here, by mood.js (loaded beside this script when My notes first opens).
 * The first-session note goes to the practice only if the visitor sends it, ticking a
 * consent box, with their appointment request (/notes/attach).
 */
(function () {
  "use strict";

  const script = document.currentScript;
  if (!script || document.getElementById("lantern")) {
    return;
  }

  const STORAGE_KEY = "lantern";
  const NOTES_KEY = "lantern-notes"; // localStorage, only while "Keep my notes" is on
  const MAX_ENTRY_CHARS = 8000; // what /notes/screen reads (bot/web/notes_views.py)
  const MAX_NOTES = 500;
  const SCREEN_TIMEOUT_MS = 30000;
  // Asked when a saved entry is flagged, as a counsellor would ask it.
  const MAX_MESSAGE_CHARS = 4000; // the REST channel's limit (bot/messages.py)
  const MAX_KEPT_MESSAGES = 200;
  const REPLY_TIMEOUT_MS = 30000;
  const SILENCE_CHECK_MS = 3 * 60 * 1000; // quiet this long after a crisis reply: check in
  const DOUBLE_ESCAPE_MS = 800;
  const LIVE_POLL_MS = 1000; // while a person from the practice is asked for, or has joined
  const LIVE_RETRY_MS = 5000; // the slowest poll when the web process does not answer
  const LINK_SCHEMES = ["https:", "tel:", "sms:"];

  const config = readConfig(script);
  const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");
  let state = loadState();
  let crisisHelp = null; // crisis-help.json (services and region names), fetched once at start
  let sending = Promise.resolve();
  let pacer = null; // the running breathing pacer, if any
  let lastEscape = 0;
  let journalPrompts = null; // journal-prompts.json, fetched when My notes first opens
  let notes = loadNotes(); // {keep, entries, checkins}: in memory only while keep is off
  // The live chat's poller: ``run`` changes whenever polling stops, so that an answer
  // still on its way is dropped.
  const livePoll = { run: 0, timer: null, failures: 0 };

  // ---- configuration -------------------------------------------------------------

  function readConfig(tag) {
    const data = tag.dataset;
    const scriptUrl = new URL(tag.src, document.baseURI);
    const accent = data.accent && window.CSS && CSS.supports("color", data.accent) ? data.accent : "";
    return {
      webhook: (data.botUrl || "").replace(/\/+$/, "") + "/webhooks/rest/webhook",
      webUrl: (data.webUrl || scriptUrl.origin).replace(/\/+$/, ""),
      assetsUrl: new URL(".", scriptUrl).href,
      region: (data.region || "intl").toLowerCase(),
      title: data.title || "Chat assistant",
      practice: data.practice || "The practice",
      privacyUrl: safeUrl(data.privacyUrl || "", ["https:", "http:"]),
      retentionDays: parseInt(data.retentionDays, 10) || null,
      exitUrl: safeUrl(data.exitUrl || "", ["https:"]) || "https://www.google.com/",
      accent: accent,
      position: data.position === "left" ? "left" : "right",
      silenceCheckMs: parseInt(data.silenceCheckMs, 10) || SILENCE_CHECK_MS,
    };
  }

  // ---- state kept in this tab only (sessionStorage) ------------------------------

  function newConversationId() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
  }

  function freshState() {
    return { id: newConversationId(), region: config.region, messages: [], open: false };
  }

  function loadState() {
    try {
      const saved = JSON.parse(sessionStorage.getItem(STORAGE_KEY));
      if (saved && /^[0-9a-f]{32}$/.test(saved.id) && Array.isArray(saved.messages)) {
        return saved;
      }
    } catch (error) {
      // unreadable or blocked storage: start afresh
    }
    return freshState();
  }

  function saveState() {
    state.messages = state.messages.slice(-MAX_KEPT_MESSAGES);
    try {
      sessionStorage.setItem(STORAGE_KEY, JSON.stringify(state));
    } catch (error) {
      // storage full or blocked: the chat still works for this page
    }
  }

  function forgetConversation() {
    stopPacer();
    stopLivePolling();
    try {
      sessionStorage.removeItem(STORAGE_KEY);
    } catch (error) {
      // nothing to remove
    }
    state = freshState();
  }

  // ---- private notes (this device only, and only while keeping is on) ---------------

  function loadNotes() {
    try {
      const saved = JSON.parse(localStorage.getItem(NOTES_KEY));
      if (saved && saved.keep === true && Array.isArray(saved.entries)) {
        return {
          keep: true,
          entries: saved.entries.filter(validEntry),
          checkins: storedCheckins(saved),
          sessionNote: validSessionNote(saved.sessionNote),
        };
      }
    } catch (error) {
      // unreadable or blocked storage: nothing is kept
    }
    return { keep: false, entries: [], checkins: [], sessionNote: null };
  }

  function validEntry(entry) {
    return Boolean(entry) && typeof entry === "object" && typeof entry.id === "string" &&
      typeof entry.text === "string" && typeof entry.time === "string";
  }

  // Returns whether the notes are where the visitor asked (false: storage is blocked or full).
  function saveNotes() {
    notes.entries = notes.entries.slice(-MAX_NOTES);
    if (!notes.keep) { return true; }
    try {
      localStorage.setItem(NOTES_KEY, JSON.stringify(notes));
      return true;
    } catch (error) {
      return false;
    }
  }

  function forgetNotes() {
    try {
      localStorage.removeItem(NOTES_KEY);
    } catch (error) {
      // nothing to remove
    }
    notes = { keep: false, entries: [], checkins: [], sessionNote: null };
  }

  // ---- small DOM helpers ---------------------------------------------------------

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function button(label, className, onClick) {
    const node = el("button", className, label);
    node.type = "button";
    node.addEventListener("click", onClick);
    return node;
  }

  function safeUrl(value, schemes) {
    if (typeof value !== "string" || !value) { return null; }
    try {
      const url = new URL(value, document.baseURI);
      return schemes.indexOf(url.protocol) >= 0 ? url.href : null;
    } catch (error) {
      return null;
    }
  }

  function link(label, href) {
    const url = safeUrl(href, LINK_SCHEMES);
    if (!url) { return el("span", null, label); }
    const node = el("a", null, label);
    node.href = url;
    if (url.indexOf("https:") === 0) {
      node.target = "_blank";
      node.rel = "noopener noreferrer";
    }
    return node;
  }

  // A phone or text number as written in the resources ("1-800-799-7233", "116 123");
  // anything else is not made into a link.
  function dialable(number) {
    const written = String(number || "");
    return /^\+?[0-9][0-9 ().-]{1,24}$/.test(written) ? written.replace(/[^0-9+]/g, "") : "";
  }

  function telLink(label, number) {
    const digits = dialable(number);
    return digits ? link(label, "tel:" + digits) : el("span", null, label);
  }

  function clockTime(iso) {
    const when = new Date(iso);
    return isNaN(when) ? "" : when.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  // ---- the frame ------------------------------------------------------------------

  const root = el("div", "lantern lantern--" + config.position);
  root.id = "lantern";
  if (config.accent) { root.style.setProperty("--lantern-accent", config.accent); }

  const stylesheet = document.createElement("link");
  stylesheet.rel = "stylesheet";
  stylesheet.href = config.assetsUrl + "widget.css";
  document.head.appendChild(stylesheet);

  const dock = el("div", "lantern-dock");
  const launcher = button("Chat with " + config.title.split(",")[0], "lantern-launcher", function () {
    setOpen(true);
  });
  launcher.setAttribute("aria-controls", "lantern-panel");
  launcher.setAttribute("aria-expanded", "false");
  dock.append(
    button("Get help now", "lantern-help-button", function () { setOpen(true); showHelp(true); }),
    button("Quick exit", "lantern-exit-button", quickExit),
    launcher
  );

  const panel = el("section", "lantern-panel");
  panel.id = "lantern-panel";
  panel.setAttribute("aria-labelledby", "lantern-title");
  panel.hidden = true;

  const header = el("header", "lantern-header");
  const title = el("h2", "lantern-title", config.title);
  title.id = "lantern-title";
  const disclosure = el(
    "p", "lantern-disclosure",
    "An AI self-help assistant. Not a therapist, and not a person."
  );
  const menuButton = button("Options", "lantern-menu-button", function () {
    showMenu(menu.hidden);
  });
  menuButton.setAttribute("aria-expanded", "false");
  menuButton.setAttribute("aria-controls", "lantern-menu");
  const closeButton = button("Close", "lantern-close", function () { setOpen(false); });
  closeButton.setAttribute("aria-label", "Close the chat");
  const notesButton = button("My notes", "lantern-notes-button", function () {
    showNotes(notesPanel.hidden);
  });
  notesButton.setAttribute("aria-expanded", "false");
  notesButton.setAttribute("aria-controls", "lantern-notes");
  const headerActions = el("div", "lantern-header-actions");
  headerActions.append(
    button("Get help now", "lantern-help-button", function () { showHelp(helpPanel.hidden); }),
    button("Quick exit", "lantern-exit-button", quickExit),
    notesButton,
    menuButton,
    closeButton
  );
  header.append(title, disclosure, headerActions);

  const menu = el("div", "lantern-menu");
  menu.id = "lantern-menu";
  menu.hidden = true;
  const talkButton = button("Talk to a person", "lantern-live-request", function () {
    showMenu(false);
    askForPerson("Talk to a person");
  });
  talkButton.hidden = true; // shown once the web process says live chat is set up
  menu.append(
    talkButton,
    button("Clear conversation (this device only)", "lantern-clear", clearConversation),
    button("Delete my conversation", "lantern-delete", function () { showMenu(false); confirmDelete(); })
  );

  const helpPanel = el("section", "lantern-help");
  helpPanel.setAttribute("aria-labelledby", "lantern-help-title");
  helpPanel.hidden = true;

  const notesPanel = el("section", "lantern-notes");
  notesPanel.id = "lantern-notes";
  notesPanel.setAttribute("aria-labelledby", "lantern-notes-title");
  notesPanel.hidden = true;

  const confirmPanel = el("div", "lantern-confirm");
  confirmPanel.setAttribute("role", "alertdialog");
  confirmPanel.setAttribute("aria-labelledby", "lantern-confirm-text");
  confirmPanel.hidden = true;

  const status = el("p", "lantern-status");
  status.setAttribute("role", "status");

  const body = el("div", "lantern-body");
  // Scrollable with the keyboard too, also when nothing in it can take focus (a live chat's
  // messages have no buttons or links).
  body.tabIndex = 0;
  body.setAttribute("role", "region");
  body.setAttribute("aria-label", "Chat messages");
  const notice = el("div", "lantern-notice");
  // A live region around the list: a list with role="log" would no longer be a list.
  const logRegion = el("div", "lantern-log-region");
  logRegion.setAttribute("role", "log");
  logRegion.setAttribute("aria-label", "Conversation");
  const log = el("ol", "lantern-log");
  logRegion.append(log);
  const typing = el("p", "lantern-typing", "Lantern is typing");
  typing.hidden = true;
  body.append(notice, logRegion, typing);

  // While a person from the practice is asked for, or has joined: who, and a way out.
  const liveBar = el("div", "lantern-live");
  liveBar.setAttribute("role", "group");
  liveBar.setAttribute("aria-label", "Live chat");
  liveBar.hidden = true;
  const liveText = el("p", "lantern-live-text");
  const leaveButton = button("Leave live chat", "lantern-live-leave", leaveLiveChat);
  liveBar.append(liveText, leaveButton);

  const form = el("form", "lantern-form");
  const inputLabel = el("label", "lantern-visually-hidden", "Your message");
  inputLabel.htmlFor = "lantern-input";
  const input = el("textarea", "lantern-input");
  input.id = "lantern-input";
  input.rows = 2;
  input.maxLength = MAX_MESSAGE_CHARS;
  input.autocomplete = "off";
  input.placeholder = "Type a message";
  const sendButton = el("button", "lantern-send", "Send");
  sendButton.type = "submit";
  form.append(inputLabel, input, sendButton);

  panel.append(header, menu, helpPanel, notesPanel, confirmPanel, status, body, liveBar, form);
  root.append(dock, panel);
  document.body.appendChild(root);

  drawNotice();
  state.messages.forEach(function (message) { drawMessage(message, false); });
  fetchCrisisHelp();
  if (state.open) { setOpen(true, false); }
  if (liveOpen()) { // a reload during a live chat: carry on where it was
    drawLiveBar();
    startLivePolling(0);
  }

  // ---- opening, menus and panels ---------------------------------------------------

  function setOpen(open, moveFocus) {
    panel.hidden = !open;
    dock.hidden = open;
    root.classList.toggle("lantern--open", open);
    launcher.setAttribute("aria-expanded", String(open));
    state.open = open;
    saveState();
    if (!open) {
      showMenu(false);
      if (!notesPanel.hidden) { showNotes(false); }
      stopPacer();
      if (moveFocus !== false) { launcher.focus(); }
      return;
    }
    if (moveFocus !== false) { input.focus(); }
    checkLiveAvailability();
    if (state.messages.length === 0) {
      send("/greet", null); // the bot's first words: that it is an AI, and what it can do
    }
  }

  function showMenu(show) {
    menu.hidden = !show;
    menuButton.setAttribute("aria-expanded", String(show));
    if (show) {
      checkLiveAvailability();
      menu.querySelector("button:not([hidden])").focus();
    }
  }

  function showHelp(show) {
    helpPanel.hidden = !show;
    if (show) {
      drawHelpPanel(state.region);
      helpPanel.querySelector("h3").focus();
    }
  }

  function announce(text) {
    status.textContent = text;
  }

  // ---- crisis help (static, works when the bot is down) ----------------------------

  // A JSON file shipped beside this script (crisis services, prompts, words): its data, or
  // null when the server answers with an error.
  function fetchAsset(name) {
    return fetch(config.assetsUrl + name, { credentials: "omit" })
      .then(function (response) { return response.ok ? response.json() : null; });
  }

  function fetchCrisisHelp() {
    fetchAsset("crisis-help.json")
      .then(function (data) { crisisHelp = data && data.regions ? data : null; })
      .catch(function () { crisisHelp = null; });
  }

  function regionHelp(region) {
    const regions = (crisisHelp && crisisHelp.regions) || {};
    return regions[region] || regions.intl || { emergency: null, services: [] };
  }

  function emergencyLine(number) {
    const line = el("p", "lantern-emergency");
    if (number) {
      line.append("In immediate danger? Call ", telLink(number, number), " now.");
    } else {
      line.textContent = "In immediate danger? Call your local emergency number now.";
    }
    return line;
  }

  // Who a service is for and when it answers: "For under 19s · 24/7".
  function serviceAbout(service) {
    const about = el("span", "lantern-service-about");
    if (service.audience) { about.append(el("span", "lantern-audience", "For " + service.audience)); }
    if (service.audience && service.hours) { about.append(" · "); }
    if (service.hours) { about.append(el("span", "lantern-hours", service.hours)); }
    return about;
  }

  function serviceList(services) {
    const list = el("ul", "lantern-services");
    (services || []).forEach(function (service) {
      if (!service || typeof service !== "object") { return; }
      const item = el("li");
      item.append(el("strong", null, service.name), serviceAbout(service));
      const actions = el("span", "lantern-service-links");
      if (service.phone) {
        actions.append(telLink("Call " + service.phone, service.phone));
      }
      if (service.sms && dialable(service.sms)) {
        const keyword = service.sms_keyword ? String(service.sms_keyword) : "";
        const label = keyword ? "Text " + keyword + " to " + service.sms : "Text " + service.sms;
        const query = keyword ? "?body=" + encodeURIComponent(keyword) : "";
        actions.append(link(label, "sms:" + dialable(service.sms) + query));
      }
      if (service.url) { actions.append(link("Website", service.url)); }
      item.append(actions);
      list.append(item);
    });
    return list;
  }

  function drawHelpPanel(region) {
    helpPanel.textContent = "";
    const heading = el("h3", null, "Get help now");
    heading.id = "lantern-help-title";
    heading.tabIndex = -1;
    const help = regionHelp(region);
    const note = crisisHelp ? null : el(
      "p", null, "The list of services could not be loaded. Search for a crisis line in your country."
    );
    helpPanel.append(
      heading,
      regionPicker(region),
      emergencyLine(help.emergency),
      serviceList(help.services),
      note || "",
      button("Close help", "lantern-help-close", function () { showHelp(false); input.focus(); })
    );
  }

  // "Where you are": the regions of crisis-help.json; nothing to choose without it.
  function regionPicker(region) {
    const names = (crisisHelp && crisisHelp.region_names) || {};
    const codes = Object.keys(names);
    if (!codes.length) { return ""; }
    const picker = el("select", "lantern-region");
    picker.id = "lantern-region";
    const pickerLabel = el("label", null, "Where you are ");
    pickerLabel.htmlFor = picker.id;
    codes.forEach(function (code) {
      const option = el("option", null, names[code]);
      option.value = code;
      option.selected = code === (names[region] ? region : "intl");
      picker.append(option);
    });
    picker.addEventListener("change", function () {
      state.region = picker.value;
      saveState();
      drawHelpPanel(state.region);
      helpPanel.querySelector("select").focus();
    });
    const pickerPart = document.createDocumentFragment();
    pickerPart.append(pickerLabel, picker);
    return pickerPart;
  }

  function crisisCard(crisis) {
    const card = el("div", "lantern-crisis");
    card.setAttribute("role", "group");
    card.setAttribute("aria-label", "Crisis help");
    const region = typeof crisis.region === "string" ? crisis.region : state.region;
    card.append(
      el("p", "lantern-crisis-title", "You can talk to someone now"),
      emergencyLine(regionHelp(region).emergency),
      serviceList(Array.isArray(crisis.resources) ? crisis.resources : [])
    );
    return card;
  }

  // ---- My notes: a private journal ------------------------------------------------------

  function showNotes(show) {
    notesPanel.hidden = !show;
    panel.classList.toggle("lantern-panel--notes", show);
    notesButton.setAttribute("aria-expanded", String(show));
    if (show) {
      showMenu(false);
      drawNotesPanel();
      fetchJournalPrompts();
      notesPanel.querySelector("h3").focus();
      return;
    }
    if (!notes.keep) { forgetNotes(); } // not kept: gone once the panel closes
    notesPanel.textContent = "";
  }

  // Resolves once the prompts are there, or could not be fetched (journalPrompts is null).
  function fetchJournalPrompts() {
    if (journalPrompts) { return Promise.resolve(); }
    return fetchAsset("journal-prompts.json")
      .then(function (data) {
        if (!data || !Array.isArray(data.groups)) { return; }
        journalPrompts = data;
        const picker = notesPanel.querySelector(".lantern-journal-group");
        if (picker && !notesPanel.hidden) { fillGroupPicker(picker); }
      })
      .catch(function () { journalPrompts = null; });
  }

  function journalGroup(id) {
    const groups = (journalPrompts && journalPrompts.groups) || [];
    return groups.filter(function (g) { return g && g.id === id; })[0] || null;
  }

  function keepingText() {
    return notes.keep
      ? "Your notes are kept in this browser, on this device only, until you delete them. " +
        "Anyone who uses this device could read them."
      : "Nothing is kept: you can write and save entries, but they are gone when you close " +
        "My notes. Turn on keeping to find them again later on this device.";
  }

  function drawNotesPanel() {
    notesPanel.textContent = "";
    const heading = el("h3", null, "My notes");
    heading.id = "lantern-notes-title";
    heading.tabIndex = -1;

    const keepRow = el("p", "lantern-notes-keep-row");
    const keep = el("input", "lantern-notes-keep");
    keep.type = "checkbox";
    keep.id = "lantern-notes-keep";
    keep.setAttribute("role", "switch");
    keep.checked = notes.keep;
    keep.setAttribute("aria-describedby", "lantern-notes-keeping");
    const keepLabel = el("label", null, "Keep my notes on this device");
    keepLabel.htmlFor = keep.id;
    keepRow.append(keep, " ", keepLabel);
    const keeping = el("p", "lantern-notes-keeping", keepingText());
    keeping.id = "lantern-notes-keeping";
    const sent = el(
      "p", "lantern-notes-sent",
      "Each entry you save, and the words of each mood check-in, are sent to " + config.practice +
      "'s server once, only to check them for risk, and are not kept there. Your notes are " +
      "never added to the chat."
    );
    const confirm = el("div", "lantern-confirm lantern-notes-confirm");
    confirm.setAttribute("role", "alertdialog");
    confirm.setAttribute("aria-labelledby", "lantern-notes-confirm-text");
    confirm.hidden = true;
    keep.addEventListener("change", function () {
      if (keep.checked) {
        notes.keep = true;
        if (!saveNotes()) {
          notes.keep = false;
          keep.checked = false;
          announce("This browser does not let Lantern keep notes here.");
        } else {
          announce("Your notes will be kept on this device.");
        }
        keeping.textContent = keepingText();
        return;
      }
      keep.checked = true; // until the visitor confirms
      confirmStopKeeping(confirm, keep, keeping);
    });

    const journal = journalForm();
    const result = el("div", "lantern-notes-result");
    result.setAttribute("aria-live", "polite");
    const viewer = el("div", "lantern-notes-viewer");
    viewer.hidden = true;
    const listHeading = el("h4", null, "Saved entries");
    const list = el("ul", "lantern-notes-list");
    list.setAttribute("aria-label", "Saved entries");

    notesPanel.append(
      heading, keepRow, keeping, sent, confirm, journal, result, viewer, listHeading, list,
      el("div", "lantern-notes-actions")
    );
    notesPanel.insertBefore(moodSection(), notesPanel.lastChild); // see "mood over time" below
    notesPanel.lastChild.append(
      button("Delete my notes", "lantern-notes-delete-all", function () {
        const wasKept = notes.keep;
        forgetNotes();
        drawNotesPanel();
        announce(wasKept ? "Your notes were deleted from this device." : "Your notes were deleted.");
        notesPanel.querySelector("h3").focus();
      }),
      button("Close my notes", "lantern-notes-close", function () {
        showNotes(false);
        notesButton.focus();
      })
    );
    drawNotesList();
    drawNotesExtras();
  }

  function confirmStopKeeping(confirm, keep, keeping) {
    confirm.textContent = "";
    const question = el(
      "p", null, "Stop keeping notes on this device? Your saved notes will be deleted from it."
    );
    question.id = "lantern-notes-confirm-text";
    const yes = button("Stop and delete", "lantern-confirm-delete lantern-notes-stop", function () {
      forgetNotes();
      drawNotesPanel();
      announce("Your notes were deleted. Nothing is kept now.");
      notesPanel.querySelector("#lantern-notes-keep").focus();
    });
    const no = button("Keep them", "lantern-confirm-cancel", function () {
      confirm.hidden = true;
      keep.focus();
    });
    confirm.append(question, yes, no);
    confirm.hidden = false;
    keeping.textContent = keepingText();
    no.focus();
  }

  function fillGroupPicker(picker) {
    const chosen = picker.value;
    picker.textContent = "";
    const free = el("option", null, "Free entry (no prompt)");
    free.value = "";
    picker.append(free);
    ((journalPrompts && journalPrompts.groups) || []).forEach(function (group) {
      if (!group || typeof group.id !== "string") { return; }
      const option = el("option", null, group.title);
      option.value = group.id;
      picker.append(option);
    });
    picker.value = chosen;
  }

  function journalForm() {
    const journal = el("form", "lantern-journal");
    journal.setAttribute("aria-label", "Write an entry");
    const groupLabel = el("label", null, "Kind of entry ");
    const groupPicker = el("select", "lantern-journal-group");
    groupPicker.id = "lantern-journal-group";
    groupLabel.htmlFor = groupPicker.id;
    fillGroupPicker(groupPicker);
    const about = el("p", "lantern-journal-about");
    const promptLabel = el("label", null, "Prompt ");
    const promptPicker = el("select", "lantern-journal-prompt");
    promptPicker.id = "lantern-journal-prompt";
    promptLabel.htmlFor = promptPicker.id;
    const promptRow = el("p", "lantern-journal-prompt-row");
    promptRow.append(promptLabel, promptPicker);
    const promptText = el("p", "lantern-journal-prompt-text");
    promptText.id = "lantern-journal-prompt-text";
    const source = el("p", "lantern-journal-source");
    const textLabel = el("label", null, "Your entry");
    const text = el("textarea", "lantern-journal-text");
    text.id = "lantern-journal-text";
    text.rows = 6;
    text.maxLength = MAX_ENTRY_CHARS;
    textLabel.htmlFor = text.id;
    const save = el("button", "lantern-journal-save", "Save entry");
    save.type = "submit";

    function showPrompt() {
      const group = journalGroup(groupPicker.value);
      const prompts = group && Array.isArray(group.prompts) ? group.prompts : [];
      const prompt = prompts.filter(function (p) { return p.id === promptPicker.value; })[0];
      promptText.textContent = prompt ? prompt.text : "";
      source.textContent = prompt && prompt.source ? "Source: " + prompt.source : "";
      if (prompt) {
        text.setAttribute("aria-describedby", promptText.id);
      } else {
        text.removeAttribute("aria-describedby");
      }
    }
    function showGroup() {
      const group = journalGroup(groupPicker.value);
      about.textContent = group ? group.about : "Write whatever is on your mind.";
      promptPicker.textContent = "";
      (group && Array.isArray(group.prompts) ? group.prompts : []).forEach(function (prompt, i) {
        const option = el("option", null, "Prompt " + (i + 1) + ": " + String(prompt.text).slice(0, 60) + "…");
        option.value = prompt.id;
        promptPicker.append(option);
      });
      promptRow.hidden = !group;
      showPrompt();
    }
    groupPicker.addEventListener("change", showGroup);
    promptPicker.addEventListener("change", showPrompt);
    showGroup();

    journal.addEventListener("submit", function (event) {
      event.preventDefault();
      const written = text.value.trim().slice(0, MAX_ENTRY_CHARS);
      if (!written) {
        announce("Write something first, then save it.");
        text.focus();
        return;
      }
      const group = journalGroup(groupPicker.value);
      const entry = {
        id: newConversationId(),
        time: new Date().toISOString(),
        title: group ? group.title : "Free entry",
        prompt: group ? promptText.textContent : "",
        text: written,
      };
      notes.entries.push(entry);
      const stored = saveNotes();
      text.value = "";
      drawNotesList();
      save.disabled = true;
      screenEntry(entry, stored).finally(function () { save.disabled = false; });
    });

    const groupRow = el("p");
    groupRow.append(groupLabel, groupPicker);
    journal.append(groupRow, about, promptRow, promptText, source, textLabel, text, save);
    return journal;
  }

  function screenEntry(entry, stored) {
    const result = notesPanel.querySelector(".lantern-notes-result");
    const where = !stored ? " It could not be kept on this device (storage is blocked or full)."
      : notes.keep ? " It is kept on this device." : " It is not kept after you close My notes.";
    result.textContent = "";
    result.append(el("p", null, "Saving…"));
    return screenText(entry.text).then(function (level) {
      result.textContent = "";
      if (level === null) {
        result.append(el(
          "p", "lantern-notes-unchecked",
          "Your entry is saved." + where + " It could not be checked for risk just now. " +
          "If you are struggling, Get help now lists people you can talk to."
        ));
        return;
      }
      result.append(el("p", null, "Your entry is saved." + where));
      if (level === "low" || level === "high" || level === "imminent") {
        result.append(notesCrisisHelp(level));
        result.querySelector(".lantern-notes-question").focus();
      }
    });
  }

  // The risk level /notes/screen gives a text (it keeps nothing), or null when it cannot
  // answer: journal entries, a check-in's words and the first-session note's safety answer.
  function screenText(text) {
    const controller = new AbortController();
    const timer = window.setTimeout(function () { controller.abort(); }, SCREEN_TIMEOUT_MS);
    return fetch(config.webUrl + "/notes/screen", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ text: text }),
      credentials: "omit",
      signal: controller.signal,
    })
      .then(answerOf)
      .then(function (answer) { return typeof answer.level === "string" ? answer.level : null; })
      .catch(function () { return null; })
      .finally(function () { window.clearTimeout(timer); });
  }

  // What the chat shows after a message about being in danger: the services, a direct
  // question, and a way into the chat (the entry itself is never sent there).
  function notesCrisisHelp(level) {
    const box = el("div", "lantern-notes-crisis");
    box.setAttribute("role", "group");
    box.setAttribute("aria-label", "Help after your entry");
    const words = flaggedWords();
    box.append(el("p", null, (level === "low" ? words.intro_low : words.intro_high) || ""));
    box.append.apply(box, directQuestionAndHelp());
    return box;
  }

  // The words are data/content/journal_prompts.yml's (when_flagged); the fallbacks are for
  // a prompts file that could not be fetched: the services still show.
  function flaggedWords() {
    return (journalPrompts && journalPrompts.when_flagged) || {};
  }

  // The direct question (focusable, for the caller to focus), the region's services and the
  // way into the chat: after a flagged entry, check-in or answer, and the mood offer.
  function directQuestionAndHelp() {
    const words = flaggedWords();
    const question = el("p", "lantern-notes-question", words.question || "Are you safe right now?");
    question.tabIndex = -1;
    return [
      question,
      el("p", null, words.reach_out || ""),
      crisisCard({ region: state.region, resources: regionHelp(state.region).services }),
      button(words.to_chat || "Talk about it in the chat", "lantern-notes-to-chat", function () {
        showNotes(false);
        input.focus();
      }),
    ];
  }

  function entryDate(iso) {
    const when = new Date(iso);
    return isNaN(when) ? "" : when.toLocaleDateString([], { day: "numeric", month: "short", year: "numeric" });
  }

  function drawNotesList() {
    const list = notesPanel.querySelector(".lantern-notes-list");
    if (!list) { return; }
    list.textContent = "";
    if (!notes.entries.length) {
      list.append(el("li", "lantern-notes-empty", "No entries yet."));
      return;
    }
    notes.entries.slice().reverse().forEach(function (entry) {
      const firstLine = entry.text.split("\n")[0].slice(0, 80);
      const item = el("li", "lantern-notes-entry");
      const summary = entryDate(entry.time) + " · " + (entry.title || "Free entry") + " · " + firstLine;
      const openButton = button(summary, "lantern-notes-open", function () { showEntry(entry); });
      const remove = button("Delete", "lantern-notes-delete", function () {
        notes.entries = notes.entries.filter(function (e) { return e.id !== entry.id; });
        saveNotes();
        const viewer = notesPanel.querySelector(".lantern-notes-viewer");
        if (viewer.dataset.entry === entry.id) { viewer.hidden = true; viewer.textContent = ""; }
        drawNotesList();
        announce("The entry was deleted.");
        notesPanel.querySelector("h3").focus();
      });
      remove.setAttribute("aria-label", "Delete the entry of " + summary);
      item.append(openButton, remove);
      list.append(item);
    });
  }

  function showEntry(entry) {
    const viewer = notesPanel.querySelector(".lantern-notes-viewer");
    viewer.textContent = "";
    viewer.dataset.entry = entry.id;
    const heading = el("h4", null, (entry.title || "Free entry") + ", " + entryDate(entry.time));
    heading.tabIndex = -1;
    viewer.append(heading);
    if (entry.prompt) { viewer.append(el("p", "lantern-journal-prompt-text", entry.prompt)); }
    viewer.append(
      el("p", "lantern-notes-text", entry.text),
      button("Close the entry", "lantern-notes-viewer-close", function () {
        viewer.hidden = true;
        viewer.textContent = "";
        notesPanel.querySelector("h3").focus();
      })
    );
    viewer.hidden = false;
    heading.focus();
  }

  // ---- My notes: mood over time --------------------------------------------------------
  //
  // Mood check-ins (1 to 10, a few words, the PHQ-2 and GAD-2 if the visitor wants) in
  // notes.checkins, kept like journal entries; a chart of the last 14 or 90 days with a
  // table alternative, and a plain-words summary from mood.js. The questions, the cut-off
  // and every summary sentence come from mood-checkins.json (make widget-help).

  const MAX_CHECKIN_WORDS = 500;
  const SCREENERS = ["phq2", "gad2"];
  const REFERRAL_PAYLOAD = "/request_referral"; // the chat's "Talk to a therapist" (actions/checkins.py)
  const SVG_NS = "http://www.w3.org/2000/svg";
  const CHART = { width: 320, height: 150, left: 26, right: 8, top: 8, bottom: 22 };
  let moodContent = null; // mood-checkins.json
  let moodLoading = null; // mood.js and mood-checkins.json, loaded when My notes first opens
  const moodView = { windowDays: 14, asTable: false };
  let moodOfferShownFor = null; // the check-in whose offer of help this page has shown

  // Saved check-ins are read by mood.js, which leaves out what it cannot read; they stay
  // stored as they are, so nothing the visitor wrote is dropped.
  function storedCheckins(saved) {
    return Array.isArray(saved.checkins) ? saved.checkins.filter(function (checkin) {
      return Boolean(checkin) && typeof checkin === "object";
    }) : [];
  }

  function loadMoodTools() {
    if (moodLoading) { return moodLoading; }
    const script = new Promise(function (resolve, reject) {
      if (window.LanternMood) { resolve(); return; }
      const tag = document.createElement("script");
      tag.src = config.assetsUrl + "mood.js";
      tag.addEventListener("load", resolve);
      tag.addEventListener("error", reject);
      document.head.appendChild(tag);
    });
    const content = fetchAsset("mood-checkins.json");
    moodLoading = Promise.all([script, content, fetchJournalPrompts()]).then(function (loaded) {
      if (!window.LanternMood || !loaded[1] || !loaded[1].words) { throw new Error("mood tools"); }
      moodContent = loaded[1];
    });
    moodLoading.catch(function () { moodLoading = null; }); // opening My notes again retries
    return moodLoading;
  }

  function moodSummary() {
    return window.LanternMood.summarise(notes.checkins, {
      today: window.LanternMood.localDate(new Date()),
      windowDays: moodView.windowDays,
    }, moodContent);
  }

  function moodSection() {
    const section = el("section", "lantern-mood");
    section.setAttribute("aria-labelledby", "lantern-mood-title");
    const heading = el("h4", null, "Mood check-in");
    heading.id = "lantern-mood-title";
    const loading = el("p", "lantern-mood-loading", "Loading the mood check-in…");
    section.append(heading, loading);
    loadMoodTools().then(function () {
      if (!section.isConnected) { return; } // the panel was drawn again meanwhile
      const result = el("div", "lantern-mood-result"); // read out through announce()
      const view = el("div", "lantern-mood-view");
      loading.replaceWith(moodForm(result, view), result, view);
      drawMoodView(view);
      offerHelpOnce(result, moodSummary().offer, false);
    }, function () {
      loading.textContent = "The mood check-in could not be loaded. Please close My notes and open it again.";
    });
    return section;
  }

  function labelled(labelText, control) {
    const row = el("p", "lantern-mood-row");
    const label = el("label", null, labelText);
    label.htmlFor = control.id;
    row.append(label, control);
    return row;
  }

  function moodForm(result, view) {
    const form = el("form", "lantern-mood-form");
    form.setAttribute("aria-label", "Check in with your mood");
    form.noValidate = true; // the form says what is missing itself, in words
    const scale = moodContent.scale;
    const mood = el("select", "lantern-mood-score");
    mood.id = "lantern-mood-score";
    mood.required = true;
    const none = el("option", null, "Choose a number");
    none.value = "";
    mood.append(none);
    for (let score = scale.lowest; score <= scale.highest; score += 1) {
      const option = el("option", null, String(score));
      option.value = String(score);
      mood.append(option);
    }
    const words = el("textarea", "lantern-mood-words");
    words.id = "lantern-mood-words";
    words.rows = 2;
    words.maxLength = MAX_CHECKIN_WORDS;
    const screeners = el("details", "lantern-mood-screeners");
    screeners.append(el("summary", null, "Two short questionnaires (optional)"));
    SCREENERS.forEach(function (name) { screeners.append(screenerFields(name)); });
    const save = el("button", "lantern-mood-save", "Save check-in");
    save.type = "submit";
    form.append(
      labelled("Your mood now, from " + scale.lowest + " (worst) to " + scale.highest + " (best)", mood),
      labelled("A few words (optional)", words),
      screeners,
      save
    );
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      const checkin = readCheckin(form, result);
      if (!checkin) { return; }
      notes.checkins.push(checkin);
      const stored = saveNotes();
      form.reset();
      drawMoodView(view);
      save.disabled = true;
      checkinSaved(checkin, stored, result).finally(function () { save.disabled = false; });
    });
    return form;
  }

  function screenerFields(name) {
    const screener = moodContent.screeners[name];
    const fields = el("fieldset", "lantern-mood-screener");
    fields.append(el("legend", null, screener.name));
    screener.questions.forEach(function (question) {
      const answer = el("select", "lantern-mood-answer");
      answer.id = "lantern-mood-" + question.id;
      answer.dataset.screener = name;
      const none = el("option", null, "Not answered");
      none.value = "";
      answer.append(none);
      moodContent.screeners.answers.forEach(function (choice) {
        const option = el("option", null, choice.label);
        option.value = String(choice.score);
        answer.append(option);
      });
      fields.append(labelled(question.text, answer));
    });
    return fields;
  }

  // The check-in the form holds, or null after saying what is missing.
  function readCheckin(form, result) {
    function refuse(message, control) {
      result.textContent = "";
      result.append(el("p", "lantern-mood-problem", message));
      control.focus();
      announce(message);
      return null;
    }
    const mood = form.querySelector(".lantern-mood-score");
    if (!mood.value) {
      return refuse("Choose your mood from " + moodContent.scale.lowest + " to " +
        moodContent.scale.highest + " first, then save the check-in.", mood);
    }
    const totals = {};
    for (const name of SCREENERS) {
      const answers = Array.from(form.querySelectorAll('.lantern-mood-answer[data-screener="' + name + '"]'));
      const unanswered = answers.filter(function (a) { return !a.value; });
      if (unanswered.length === answers.length) { totals[name] = null; continue; }
      if (unanswered.length) {
        form.querySelector(".lantern-mood-screeners").open = true;
        return refuse("Answer both questions of the " + moodContent.screeners[name].name +
          ", or leave both not answered.", unanswered[0]);
      }
      totals[name] = answers.reduce(function (sum, a) { return sum + parseInt(a.value, 10); }, 0);
    }
    const now = new Date();
    return {
      id: newConversationId(),
      date: window.LanternMood.localDate(now),
      time: now.toISOString(),
      mood: parseInt(mood.value, 10),
      words: form.querySelector(".lantern-mood-words").value.trim().slice(0, MAX_CHECKIN_WORDS),
      phq2: totals.phq2,
      gad2: totals.gad2,
    };
  }

  // Says where the check-in is kept, checks its words for risk like a journal entry, and
  // offers help after a run of low days or a questionnaire at or above the cut-off.
  function checkinSaved(checkin, stored, result) {
    const where = !stored ? " It could not be kept on this device (storage is blocked or full)."
      : notes.keep ? " It is kept on this device." : " It is not kept after you close My notes.";
    result.textContent = "";
    result.append(el("p", null, "Saving…"));
    const level = checkin.words ? screenText(checkin.words) : Promise.resolve("none");
    return level.then(function (found) {
      result.textContent = "";
      const saved = el("p", "lantern-mood-saved", "Your check-in is saved." + where);
      result.append(saved);
      if (found === null) {
        result.append(el(
          "p", "lantern-notes-unchecked",
          "Your words could not be checked for risk just now. " +
          "If you are struggling, Get help now lists people you can talk to."
        ));
      }
      const offer = moodSummary().offer;
      if (found === "low" || found === "high" || found === "imminent") {
        const help = notesCrisisHelp(found);
        if (offer) {
          moodOfferShownFor = offer.checkin;
          help.insertBefore(therapistOffer(), help.lastChild);
        }
        result.append(help);
        result.querySelector(".lantern-notes-question").focus();
        return;
      }
      if (!offerHelpOnce(result, offer, true)) { announce(result.textContent); }
    });
  }

  // The offer for the latest check-in, once per check-in on this page; whether it was shown.
  function offerHelpOnce(result, offer, moveFocus) {
    if (!offer || offer.checkin === moodOfferShownFor) { return false; }
    moodOfferShownFor = offer.checkin;
    result.append(moodHelpOffer(offer.reason));
    if (moveFocus) {
      result.querySelector(".lantern-notes-question").focus();
    } else { // My notes just opened: its heading keeps the focus
      announce(offerIntro(offer.reason));
    }
    return true;
  }

  function offerIntro(reason) {
    return reason === "low_run" ? moodContent.offer.intro_low_run : moodContent.offer.intro_screener;
  }

  // The flagged journal entry's help (the direct question, the crisis services, the way into
  // the chat), opened by words about the check-ins and an offer of a therapist.
  function moodHelpOffer(reason) {
    const offer = moodContent.offer;
    const box = el("div", "lantern-notes-crisis lantern-mood-offer");
    box.setAttribute("role", "group");
    box.setAttribute("aria-label", offer.label);
    box.append(el("p", null, offerIntro(reason)), therapistOffer());
    box.append.apply(box, directQuestionAndHelp());
    return box;
  }

  // The chat's own ways to a person: an appointment (the bot's referral questions) and,
  // while the practice is staffed, a live chat. Nothing from the notes goes with them.
  function therapistOffer() {
    const offer = moodContent.offer;
    const part = el("div", "lantern-mood-therapist");
    const ask = button(offer.therapist_button, "lantern-mood-referral", function () {
      showNotes(false);
      input.focus();
      send(REFERRAL_PAYLOAD, offer.therapist_button);
    });
    part.append(el("p", null, offer.therapist), ask);
    if (!talkButton.hidden) {
      part.append(button("Talk to a person", "lantern-mood-live", function () {
        showNotes(false);
        input.focus();
        askForPerson("Talk to a person");
      }));
    }
    return part;
  }

  // ---- the chart, its table, and the summary

  function drawMoodView(view) {
    const summary = moodSummary();
    view.textContent = "";
    const heading = el("h4", null, "Your mood over time");
    const choices = el("fieldset", "lantern-mood-window");
    choices.append(el("legend", null, "Show"));
    moodContent.windows.forEach(function (option) {
      const radio = el("input");
      radio.type = "radio";
      radio.name = "lantern-mood-window";
      radio.id = "lantern-mood-window-" + option.days;
      radio.value = String(option.days);
      radio.checked = option.days === summary.window.days;
      radio.addEventListener("change", function () {
        moodView.windowDays = option.days;
        drawMoodView(view);
        view.querySelector("#" + radio.id).focus();
        announce("Showing the " + option.label.toLowerCase() + ".");
      });
      const label = el("label", null, option.label);
      label.htmlFor = radio.id;
      choices.append(radio, label);
    });
    const asTable = button("Show as a table", "lantern-mood-as-table", function () {
      moodView.asTable = !moodView.asTable;
      drawMoodView(view);
      view.querySelector(".lantern-mood-as-table").focus();
    });
    asTable.setAttribute("aria-pressed", String(moodView.asTable));
    const description = el("p", "lantern-mood-description", chartDescription(summary));
    description.id = "lantern-mood-description";
    const chart = moodChart(summary);
    chart.setAttribute("aria-describedby", description.id);
    const table = moodTable(summary);
    chart.classList.toggle("lantern-mood-hidden", moodView.asTable);
    table.hidden = !moodView.asTable;
    const summaryHeading = el("h4", null, "In plain words");
    const sentences = el("ul", "lantern-mood-summary");
    summary.sentences.forEach(function (sentence) {
      const item = el("li", null, sentence.text);
      item.dataset.rule = sentence.rule;
      sentences.append(item);
    });
    view.append(heading, choices, asTable, chart, description, table, summaryHeading, sentences);
  }

  function svgNode(tag, attributes, className) {
    const node = document.createElementNS(SVG_NS, tag);
    Object.keys(attributes).forEach(function (name) { node.setAttribute(name, String(attributes[name])); });
    if (className) { node.setAttribute("class", className); }
    return node;
  }

  // A line per run of days with a check-in: a day without one is a gap, not a dip.
  function moodChart(summary) {
    const scale = moodContent.scale;
    const plotWidth = CHART.width - CHART.left - CHART.right;
    const plotHeight = CHART.height - CHART.top - CHART.bottom;
    const last = Math.max(summary.days.length - 1, 1);
    function x(index) { return CHART.left + (index * plotWidth) / last; }
    function y(mood) {
      return CHART.top + ((scale.highest - mood) * plotHeight) / (scale.highest - scale.lowest);
    }
    const chart = svgNode("svg", {
      viewBox: "0 0 " + CHART.width + " " + CHART.height,
      role: "img",
      "aria-label": "Mood chart, " + summary.window.label.toLowerCase(),
      focusable: "false",
    }, "lantern-mood-chart");
    [scale.lowest, moodContent.rules.low_mood, scale.highest].forEach(function (mood) {
      const low = mood === moodContent.rules.low_mood;
      chart.append(
        svgNode("line", { x1: CHART.left, x2: CHART.width - CHART.right, y1: y(mood), y2: y(mood) },
          low ? "lantern-mood-low-line" : "lantern-mood-grid"),
        svgNode("text", { x: CHART.left - 4, y: y(mood) + 4, "text-anchor": "end" }, "lantern-mood-axis")
      );
      chart.lastChild.textContent = String(mood);
    });
    [0, summary.days.length - 1].forEach(function (index, i) {
      const label = svgNode("text", {
        x: x(index), y: CHART.height - 6, "text-anchor": i === 0 ? "start" : "end",
      }, "lantern-mood-axis");
      label.textContent = shortDate(summary.days[index].date);
      chart.append(label);
    });
    let path = "";
    summary.days.forEach(function (day, index) {
      if (day.mood === null) { return; }
      const previous = summary.days[index - 1];
      path += (previous && previous.mood !== null ? " L" : " M") + x(index).toFixed(1) + " " + y(day.mood).toFixed(1);
    });
    if (path) { chart.append(svgNode("path", { d: path.trim(), fill: "none" }, "lantern-mood-line")); }
    summary.days.forEach(function (day, index) {
      if (day.mood === null) { return; }
      const point = svgNode("circle", {
        cx: x(index), cy: y(day.mood), r: summary.days.length > 30 ? 2.5 : 3.5,
        "data-date": day.date, "data-mood": day.mood,
      }, day.mood <= moodContent.rules.low_mood ? "lantern-mood-point lantern-mood-point--low" : "lantern-mood-point");
      chart.append(point);
    });
    return chart;
  }

  // "7 Dec", from a "YYYY-MM-DD" read as a local date.
  function shortDate(date) {
    const parts = date.split("-").map(Number);
    return new Date(parts[0], parts[1] - 1, parts[2])
      .toLocaleDateString([], { day: "numeric", month: "short" });
  }

  function chartDescription(summary) {
    const moods = summary.days.filter(function (d) { return d.mood !== null; });
    const range = summary.window.label.toLowerCase();
    if (!moods.length) { return "No check-ins in the " + range + " yet."; }
    const values = moods.map(function (d) { return d.mood; });
    const latest = moods[moods.length - 1];
    return "The " + range + ": " + moods.length + " of " + summary.days.length +
      " days have a check-in. Lowest " + Math.min.apply(null, values) + ", highest " +
      Math.max.apply(null, values) + ", latest " + latest.mood + " on " + shortDate(latest.date) +
      ". Days without a check-in are gaps in the line." +
      (summary.days.some(function (d) { return d.count > 1; })
        ? " On a day with more than one check-in, the chart shows the latest." : "");
  }

  // Every check-in of the window, newest first: the chart's figures, with the words (and
  // the time, on a day with more than one check-in).
  function moodTable(summary) {
    const checkinsOn = {};
    summary.days.forEach(function (day) { checkinsOn[day.date] = day.count; });
    const table = el("table", "lantern-mood-table");
    const caption = el("caption", null, "Check-ins, " + summary.window.label.toLowerCase());
    const head = el("thead");
    const headRow = el("tr");
    ["Date", "Mood", "PHQ-2", "GAD-2", "Words"].forEach(function (name) {
      const cell = el("th", null, name);
      cell.scope = "col";
      headRow.append(cell);
    });
    head.append(headRow);
    const rows = el("tbody");
    summary.checkins.slice().reverse().forEach(function (checkin) {
      const row = el("tr");
      row.dataset.date = checkin.date;
      const time = checkinsOn[checkin.date] > 1 ? clockTime(checkin.time) : "";
      const date = el("th", null, shortDate(checkin.date) + (time ? ", " + time : ""));
      date.scope = "row";
      row.append(
        date,
        el("td", "lantern-mood-cell-mood", checkin.mood),
        el("td", null, checkin.phq2 === null ? "none" : checkin.phq2),
        el("td", null, checkin.gad2 === null ? "none" : checkin.gad2),
        el("td", "lantern-mood-cell-words", checkin.words)
      );
      rows.append(row);
    });
    if (!summary.checkins.length) {
      const row = el("tr");
      const cell = el("td", null, "No check-ins in this time yet.");
      cell.colSpan = 5;
      row.append(cell);
      rows.append(row);
    }
    table.append(caption, head, rows);
    return table;
  }

  // ---- My notes: the first-session note, sending it, exporting everything ---------------
  // notes.sessionNote = {brings, tried, change, questions, safety, updated}: a few questions
  // before a first session, one per step, in session-note.json's words
  // (data/content/session_note.yml). It stays with the other notes, unless the visitor
  // sends it, ticking a consent box, with the appointment request made in this chat
  // (POST /notes/attach). The export gives everything in My notes as a printable page,
  // a Markdown or JSON file, and a daily reminder as a calendar file.

  const MAX_ANSWER_CHARS = 2000; // per answer, as /notes/attach takes it (bot/referral/session_note.py)
  let sessionNoteWords = null; // session-note.json, fetched when My notes first opens
  const sessionFlow = { step: 0, summary: false }; // where the visitor is in the note

  // The note's answers, in session-note.json's order (a function: it is needed while the
  // notes load, before this section's constants exist).
  function sessionNoteKeys() {
    return ["brings", "tried", "change", "questions", "safety"];
  }

  function validSessionNote(saved) {
    if (!saved || typeof saved !== "object") { return null; }
    const note = { updated: typeof saved.updated === "string" ? saved.updated : "" };
    sessionNoteKeys().forEach(function (key) {
      note[key] = typeof saved[key] === "string" ? saved[key] : "";
    });
    return note;
  }

  function sessionAnswers() {
    const note = notes.sessionNote || validSessionNote({});
    const answers = {};
    sessionNoteKeys().forEach(function (key) { answers[key] = note[key]; });
    return answers;
  }

  function sessionNoteWritten() {
    const answers = sessionAnswers();
    return Object.keys(answers).some(function (key) { return answers[key].trim() !== ""; });
  }

  // Whether the answer could be kept where the visitor asked (see saveNotes).
  function keepAnswer(key, value) {
    const note = notes.sessionNote || validSessionNote({});
    note[key] = String(value).slice(0, MAX_ANSWER_CHARS);
    note.updated = new Date().toISOString();
    notes.sessionNote = note;
    return saveNotes();
  }

  function fetchSessionNoteWords() {
    if (sessionNoteWords) { return; }
    fetchAsset("session-note.json")
      .then(function (data) {
        if (!data || !Array.isArray(data.questions) || sessionNoteWords) { return; }
        sessionNoteWords = data;
        if (!notesPanel.hidden) { drawSessionNote(); }
      })
      .catch(function () { sessionNoteWords = null; });
  }

  // Called at the end of drawNotesPanel: the note and the export, above its buttons.
  function drawNotesExtras() {
    const actions = notesPanel.querySelector(".lantern-notes-actions");
    const session = el("section", "lantern-session");
    session.setAttribute("aria-labelledby", "lantern-session-title");
    notesPanel.insertBefore(session, actions);
    notesPanel.insertBefore(exportSection(), actions);
    sessionFlow.step = 0;
    sessionFlow.summary = sessionNoteWritten();
    drawSessionNote();
    fetchSessionNoteWords();
  }

  function drawSessionNote() {
    const box = notesPanel.querySelector(".lantern-session");
    if (!box) { return; }
    box.textContent = "";
    const words = sessionNoteWords;
    const heading = el("h4", null, words ? words.title : "My first-session note");
    heading.id = "lantern-session-title";
    heading.tabIndex = -1;
    box.append(heading);
    if (!words) {
      box.append(el("p", null, "The questions are not here yet. If this stays, close My notes and open it again."));
      return;
    }
    box.append(el("p", "lantern-session-about", words.about));
    box.append(sessionFlow.summary ? sessionSummary(words) : sessionStep(words));
    const result = el("div", "lantern-session-result");
    result.setAttribute("aria-live", "polite");
    box.append(result);
  }

  function sessionStep(words) {
    const questions = words.questions;
    const index = Math.max(0, Math.min(sessionFlow.step, questions.length - 1));
    const question = questions[index];
    const step = el("form", "lantern-session-step");
    step.setAttribute("aria-labelledby", "lantern-session-title");
    const progress = el("p", "lantern-session-progress", "Question " + (index + 1) + " of " + questions.length);
    progress.id = "lantern-session-progress";
    const label = el("label", "lantern-session-question", question.question);
    label.htmlFor = "lantern-session-answer";
    const hint = el("p", "lantern-session-hint", question.hint);
    hint.id = "lantern-session-hint";
    const answer = el("textarea", "lantern-session-answer");
    answer.id = "lantern-session-answer";
    answer.rows = 5;
    answer.maxLength = MAX_ANSWER_CHARS;
    answer.setAttribute("aria-describedby", "lantern-session-progress lantern-session-hint");
    answer.value = sessionAnswers()[question.id] || "";
    answer.addEventListener("input", function () { keepAnswer(question.id, answer.value); });

    function go(to) {
      if (!keepAnswer(question.id, answer.value)) {
        announce("Your note could not be kept on this device (storage is blocked or full).");
      }
      if (to >= questions.length) {
        finishSessionNote();
        return;
      }
      sessionFlow.step = to;
      drawSessionNote();
      notesPanel.querySelector("#lantern-session-answer").focus();
    }
    const back = button("Back", "lantern-session-back", function () { go(index - 1); });
    back.disabled = index === 0;
    const next = el("button", "lantern-session-next", index === questions.length - 1 ? "Finish" : "Next");
    next.type = "submit";
    step.addEventListener("submit", function (event) {
      event.preventDefault();
      go(index + 1);
    });
    const buttons = el("p", "lantern-session-buttons");
    buttons.append(back, next);
    step.append(progress, label, hint, answer, buttons);
    return step;
  }

  // The answers at the end, and the safety answer checked for risk as a journal entry is.
  function finishSessionNote() {
    sessionFlow.summary = true;
    drawSessionNote();
    notesPanel.querySelector(".lantern-session-summary h5").focus();
    const safety = sessionAnswers().safety.trim();
    if (!safety) { return; }
    const result = notesPanel.querySelector(".lantern-session-result");
    result.append(el("p", null, "Checking your answer about your safety…"));
    screenText(safety.slice(0, MAX_ENTRY_CHARS)).then(function (level) {
      result.textContent = "";
      if (level === null) {
        result.append(el(
          "p", "lantern-notes-unchecked",
          "Your answer about your safety could not be checked for risk just now. " +
          "If you are struggling, Get help now lists people you can talk to."
        ));
      } else if (level === "low" || level === "high" || level === "imminent") {
        result.append(notesCrisisHelp(level));
        result.querySelector(".lantern-notes-question").focus();
      }
    });
  }

  function sessionSummary(words) {
    const summary = el("div", "lantern-session-summary");
    const heading = el("h5", null, "Your answers");
    heading.tabIndex = -1;
    const answers = sessionAnswers();
    const list = el("dl", "lantern-session-answers");
    words.questions.forEach(function (question) {
      list.append(el("dt", null, question.question), el("dd", null, answers[question.id].trim() || "(no answer yet)"));
    });
    const actions = el("div", "lantern-session-actions");
    actions.append(
      button("Change my answers", "lantern-session-edit", function () {
        sessionFlow.summary = false;
        sessionFlow.step = 0;
        drawSessionNote();
        notesPanel.querySelector("#lantern-session-answer").focus();
      }),
      button("Print my note", "lantern-session-print", function () {
        printOnly(asPrintable(sessionNoteDocument(words, 1)));
      })
    );
    summary.append(
      heading, list, actions,
      downloadControls({ filename: "first-session-note.md", text: asMarkdown(sessionNoteDocument(words, 1)) }),
      sessionSendBox(words)
    );
    return summary;
  }

  // The reference of this conversation's latest appointment request: the bot's reply
  // carries it (actions/referral.py).
  function conversationReferral() {
    const replies = state.messages.filter(function (m) {
      return m.custom && m.custom.referral && typeof m.custom.referral.reference === "string";
    });
    return replies.length ? replies[replies.length - 1].custom.referral.reference : "";
  }

  function sessionSendBox(words) {
    const box = el("div", "lantern-session-send");
    if (!conversationReferral()) {
      box.append(el("p", "lantern-session-no-request", words.send.no_request));
      return box;
    }
    const consentText = words.send.consent.split("{practice}").join(config.practice);
    const consent = el("input", "lantern-session-consent");
    consent.type = "checkbox";
    consent.id = "lantern-session-consent";
    const consentLabel = el("label", null, consentText);
    consentLabel.htmlFor = consent.id;
    const consentRow = el("p", "lantern-session-consent-row");
    consentRow.append(consent, " ", consentLabel);
    const outcome = el("p", "lantern-session-sent");
    outcome.setAttribute("aria-live", "polite");
    const send = button(words.send.button, "lantern-session-send-button", function () {
      if (!consent.checked) {
        outcome.textContent = "Tick the box to agree first: the note is sent only with your consent.";
        consent.focus();
        return;
      }
      if (!sessionNoteWritten()) {
        outcome.textContent = "Write at least one answer first.";
        return;
      }
      send.disabled = true;
      outcome.textContent = "Sending…";
      fetch(config.webUrl + "/notes/attach", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ conversation_id: state.id, note: sessionAnswers(), consent_text: consentText }),
        credentials: "omit",
      })
        .then(answerOf)
        .then(function (answer) {
          consent.checked = false; // sending again asks again
          outcome.textContent = words.send.sent + " (" + answer.reference + ")";
        })
        .catch(function (error) {
          outcome.textContent = error.fromServer ? error.message
            : "Your note could not be sent just now. It is still here: please try again.";
        })
        .finally(function () { send.disabled = false; });
    });
    box.append(consentRow, send, outcome);
    return box;
  }

  // ---- printing and saving files --------------------------------------------------------

  // A document as blocks [kind, text], kind one of h1 h2 h3 p quote: printed, or Markdown.
  function sessionNoteDocument(words, level) {
    const answers = sessionAnswers();
    const blocks = [["h" + level, words.title]];
    if (notes.sessionNote && notes.sessionNote.updated) {
      blocks.push(["p", "Last changed " + entryDate(notes.sessionNote.updated) + "."]);
    }
    words.questions.forEach(function (question) {
      blocks.push(["h" + (level + 1), question.question], ["p", answers[question.id].trim() || "(no answer yet)"]);
    });
    return blocks;
  }

  function validCheckin(checkin) {
    return Boolean(checkin) && typeof checkin === "object" && typeof checkin.date === "string" &&
      typeof checkin.mood === "number";
  }

  function checkinLine(checkin) {
    const parts = [checkin.date, "mood " + checkin.mood + " of 10"];
    if (typeof checkin.phq2 === "number") { parts.push("PHQ-2 score " + checkin.phq2 + " of 6"); }
    if (typeof checkin.gad2 === "number") { parts.push("GAD-2 score " + checkin.gad2 + " of 6"); }
    if (typeof checkin.words === "string" && checkin.words.trim()) { parts.push(checkin.words.trim()); }
    return parts.join(" · ");
  }

  function notesDocument() {
    const blocks = [
      ["h1", "My notes"],
      ["p", "Saved from " + config.title + " on " + entryDate(new Date().toISOString()) +
        ". Keep it somewhere private."],
    ];
    if (sessionNoteWords && sessionNoteWritten()) {
      blocks.push.apply(blocks, sessionNoteDocument(sessionNoteWords, 2));
    }
    const checkins = (Array.isArray(notes.checkins) ? notes.checkins : []).filter(validCheckin);
    if (checkins.length) {
      blocks.push(["h2", "Check-ins"]);
      checkins.forEach(function (checkin) { blocks.push(["p", checkinLine(checkin)]); });
    }
    blocks.push(["h2", "Journal and saved records"]);
    if (!notes.entries.length) { blocks.push(["p", "No entries yet."]); }
    notes.entries.filter(validEntry).forEach(function (entry) {
      blocks.push(["h3", (entry.title || "Free entry") + ", " + entryDate(entry.time)]);
      if (entry.prompt) { blocks.push(["quote", entry.prompt]); }
      blocks.push(["p", entry.text]);
    });
    return blocks;
  }

  function asMarkdown(blocks) {
    const marks = { h1: "# ", h2: "## ", h3: "### ", p: "" };
    return blocks.map(function (block) {
      if (block[0] === "quote") { return "> " + block[1].split("\n").join("\n> "); }
      return marks[block[0]] + block[1];
    }).join("\n\n") + "\n";
  }

  function asPrintable(blocks) {
    const page = document.createDocumentFragment();
    blocks.forEach(function (block) {
      const kind = block[0];
      page.append(el(kind === "quote" ? "blockquote" : kind, kind === "p" ? "lantern-print-text" : null, block[1]));
    });
    return page;
  }

  // Prints ``content`` alone: widget.css hides everything else while <html> has the class
  // lantern-printing, and the page is put back after printing.
  function printOnly(content) {
    endPrinting();
    const area = el("div", "lantern-print");
    area.id = "lantern-print";
    area.append(content);
    document.body.append(area);
    document.documentElement.classList.add("lantern-printing");
    window.addEventListener("afterprint", endPrinting, { once: true });
    window.print();
  }

  function endPrinting() {
    document.documentElement.classList.remove("lantern-printing");
    const area = document.getElementById("lantern-print");
    if (area) { area.remove(); }
  }

  function exportSection() {
    const box = el("section", "lantern-export");
    box.setAttribute("aria-labelledby", "lantern-export-title");
    const heading = el("h4", null, "Print or save everything");
    heading.id = "lantern-export-title";
    const files = el("div", "lantern-export-actions");
    files.append(
      button("Print all my notes", "lantern-export-print", function () {
        printOnly(asPrintable(notesDocument()));
      }),
      button("Save as Markdown", "lantern-export-markdown", function () {
        downloadFile("my-notes.md", asMarkdown(notesDocument()), "text/markdown;charset=utf-8");
      }),
      button("Save as JSON", "lantern-export-json", function () {
        downloadFile("my-notes.json", JSON.stringify(notesExport(), null, 2) + "\n", "application/json");
      })
    );
    const time = el("input", "lantern-reminder-time");
    time.type = "time";
    time.id = "lantern-reminder-time";
    time.value = "20:00";
    time.setAttribute("aria-describedby", "lantern-reminder-about");
    const timeLabel = el("label", null, "Remind me to check in every day at ");
    timeLabel.htmlFor = time.id;
    const reminderRow = el("p", "lantern-reminder-row");
    reminderRow.append(timeLabel, time, " ", button("Save the reminder", "lantern-reminder-save", function () {
      if (!/^([01][0-9]|2[0-3]):[0-5][0-9]$/.test(time.value)) {
        announce("Choose a time first, like 20:00.");
        time.focus();
        return;
      }
      downloadFile("lantern-check-in.ics", reminderCalendar(time.value, new Date()), "text/calendar;charset=utf-8");
      announce("The reminder was saved. Open the file to add it to your calendar.");
    }));
    const reminderAbout = el(
      "p", "lantern-reminder-about",
      "A calendar file for your calendar app. It holds only the reminder, none of your notes."
    );
    reminderAbout.id = "lantern-reminder-about";
    box.append(
      heading,
      el("p", null, "Everything in My notes: entries, saved records, check-ins and your " +
        "first-session note. The files are yours: keep them somewhere private."),
      files,
      reminderRow,
      reminderAbout
    );
    return box;
  }

  function notesExport() {
    return {
      format: "lantern-notes",
      version: 1,
      exported: new Date().toISOString(),
      entries: notes.entries.filter(validEntry),
      checkins: (Array.isArray(notes.checkins) ? notes.checkins : []).filter(validCheckin),
      sessionNote: notes.sessionNote || null,
    };
  }

  // ---- the daily reminder: an iCalendar file (RFC 5545) -----------------------------------

  // A daily event at ``time`` ("HH:MM", floating local time: it follows the device's
  // clock), starting at its next occurrence after ``now``, with an alarm. No notes in it.
  function reminderCalendar(time, now) {
    const words = (sessionNoteWords && sessionNoteWords.reminder) || {};
    const summary = words.summary || "Check in with My notes";
    const description = (words.description || summary).split("{practice}").join(config.practice);
    const start = new Date(now.getFullYear(), now.getMonth(), now.getDate(),
      parseInt(time.slice(0, 2), 10), parseInt(time.slice(3, 5), 10), 0);
    if (start <= now) { start.setDate(start.getDate() + 1); }
    return [
      "BEGIN:VCALENDAR",
      "VERSION:2.0",
      "PRODID:-//Lantern//My notes reminder//EN",
      "CALSCALE:GREGORIAN",
      "METHOD:PUBLISH",
      "BEGIN:VEVENT",
      "UID:" + newConversationId() + "@lantern",
      "DTSTAMP:" + now.toISOString().replace(/[-:]/g, "").replace(/\.[0-9]+/, ""),
      "DTSTART:" + floatingTime(start),
      "DURATION:PT5M",
      "RRULE:FREQ=DAILY",
      "SUMMARY:" + calendarText(summary),
      "DESCRIPTION:" + calendarText(description),
      "TRANSP:TRANSPARENT",
      "BEGIN:VALARM",
      "ACTION:DISPLAY",
      "DESCRIPTION:" + calendarText(summary),
      "TRIGGER:PT0M",
      "END:VALARM",
      "END:VEVENT",
      "END:VCALENDAR",
    ].map(foldCalendarLine).join("\r\n") + "\r\n";
  }

  function floatingTime(when) {
    function two(n) { return String(n).padStart(2, "0"); }
    return when.getFullYear() + two(when.getMonth() + 1) + two(when.getDate()) + "T" +
      two(when.getHours()) + two(when.getMinutes()) + "00";
  }

  // TEXT values escape backslash, semicolon, comma and line breaks (RFC 5545, 3.3.11).
  function calendarText(text) {
    return String(text).replace(/\\/g, "\\\\").replace(/;/g, "\\;").replace(/,/g, "\\,")
      .replace(/\r?\n/g, "\\n");
  }

  // Lines longer than 75 octets go on in a next line starting with a space (3.1), never
  // splitting a character's UTF-8 bytes.
  function foldCalendarLine(line) {
    const encoder = new TextEncoder();
    let folded = "";
    let octets = 0;
    Array.from(line).forEach(function (character) {
      const size = encoder.encode(character).length;
      if (octets + size > 75) {
        folded += "\r\n ";
        octets = 1;
      }
      folded += character;
      octets += size;
    });
    return folded;
  }

  // ---- a written record from the chat, saved to My notes --------------------------------

  // Beside a record's Download and Copy: keep it as an entry of My notes (only while keeping
  // is on: otherwise it would be gone at once). It was screened when typed in the chat.
  function withSaveToNotes(controls, download) {
    const title = typeof download.title === "string" && download.title ? download.title.slice(0, 100)
      : "Written record";
    const text = String(download.text || "").slice(0, MAX_ENTRY_CHARS);
    controls.append(button("Save to My notes", "lantern-save-record", function () {
      if (!notes.keep) {
        announce("Turn on Keep my notes on this device in My notes first, then save it.");
        return;
      }
      const saved = notes.entries.some(function (e) { return e.title === title && e.text === text; });
      if (saved) {
        announce(title + " is already in My notes.");
        return;
      }
      notes.entries.push({ id: newConversationId(), time: new Date().toISOString(), title: title, prompt: "", text: text });
      announce(saveNotes() ? title + " was saved to My notes."
        : "It could not be kept on this device (storage is blocked or full).");
    }));
    return controls;
  }

  // ---- breathing pacer ---------------------------------------------------------------

  function pacerElement(spec) {
    const box = el("div", "lantern-pacer");
    box.setAttribute("role", "group");
    box.setAttribute("aria-label", "Breathing guide");
    const shape = el("div", "lantern-pacer-shape");
    shape.setAttribute("aria-hidden", "true");
    const label = el("p", "lantern-pacer-label", "Ready");
    const toggle = button("Start the breathing guide", "lantern-pacer-toggle", function () {
      if (pacer && pacer.box === box) { stopPacer(); } else { startPacer(box, spec); }
    });
    box.append(shape, label, toggle);
    return box;
  }

  function startPacer(box, spec) {
    stopPacer();
    const phases = (spec.phases || []).filter(function (p) { return p && p.seconds > 0; });
    const cycles = Math.min(Math.max(parseInt(spec.cycles, 10) || 1, 1), 20);
    if (!phases.length) { return; }
    const shape = box.querySelector(".lantern-pacer-shape");
    const label = box.querySelector(".lantern-pacer-label");
    box.querySelector(".lantern-pacer-toggle").textContent = "Stop the breathing guide";
    box.classList.toggle("lantern-pacer--still", reducedMotion.matches);
    let cycle = 0, phase = 0, left = 0;
    function beginPhase() {
      const current = phases[phase];
      left = Math.round(current.seconds);
      const words = String(current.label).toLowerCase();
      shape.style.transitionDuration = current.seconds + "s";
      if (/\bin\b/.test(words)) { shape.classList.add("lantern-pacer-shape--full"); }
      if (/\bout\b/.test(words)) { shape.classList.remove("lantern-pacer-shape--full"); }
      label.textContent = current.label + " " + left;
    }
    function tick() {
      left -= 1;
      if (left > 0) {
        label.textContent = phases[phase].label + " " + left;
        return;
      }
      phase += 1;
      if (phase === phases.length) { phase = 0; cycle += 1; }
      if (cycle === cycles) {
        stopPacer();
        label.textContent = "Done. Notice how you feel.";
        return;
      }
      beginPhase();
    }
    beginPhase();
    pacer = { box: box, timer: window.setInterval(tick, 1000) };
  }

  function stopPacer() {
    if (!pacer) { return; }
    window.clearInterval(pacer.timer);
    const box = pacer.box;
    pacer = null;
    box.querySelector(".lantern-pacer-shape").classList.remove("lantern-pacer-shape--full");
    box.querySelector(".lantern-pacer-label").textContent = "Stopped";
    box.querySelector(".lantern-pacer-toggle").textContent = "Start the breathing guide";
  }

  // ---- written records (a thought record, a safety plan) ------------------------------

  function downloadControls(download) {
    const box = el("div", "lantern-download");
    const text = String(download.text || "");
    const name = String(download.filename || "lantern.txt").replace(/[^A-Za-z0-9_.-]/g, "_");
    box.append(
      button("Download as text", "lantern-download-button", function () {
        downloadFile(name, text, "text/plain;charset=utf-8");
      }),
      button("Copy", "lantern-copy-button", function () {
        navigator.clipboard.writeText(text).then(
          function () { announce("Copied."); },
          function () { announce("Copying is blocked here: use Download instead."); }
        );
      })
    );
    return box;
  }

  // A file made here, saved by the browser: nothing leaves the device.
  function downloadFile(name, text, type) {
    const url = URL.createObjectURL(new Blob([text], { type: type }));
    const anchor = el("a");
    anchor.href = url;
    anchor.download = name;
    document.body.append(anchor);
    anchor.click();
    anchor.remove();
    window.setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  }

  // ---- messages ------------------------------------------------------------------------

  function linkList(links) {
    const list = el("ul", "lantern-links");
    list.setAttribute("aria-label", "Read more");
    links.forEach(function (entry) {
      if (entry && typeof entry.title === "string" && safeUrl(entry.url, ["https:"])) {
        const item = el("li");
        item.append(link(entry.title, entry.url));
        list.append(item);
      }
    });
    return list;
  }

  function drawNotice() {
    notice.textContent = "";
    notice.hidden = state.messages.some(function (m) { return m.from === "user"; });
    const days = config.retentionDays ? " for " + config.retentionDays + " days" : "";
    notice.append(
      el("p", null,
        config.practice + " keeps this conversation" + days + ". Its clinical team can read it, " +
        "to keep you safe and to follow up when you ask for help. Someone from the practice " +
        "may join this chat if you ask them to. You can delete it from Options at any time. "),
      el("p", null,
        "My notes and mood check-ins stay on this device, and only if you turn keeping on. " +
        "Each entry you save, and a check-in's words, are sent once to be checked for risk, " +
        "and are not kept. " +
        "Your first-session note is sent to " + config.practice + " only if you choose to " +
        "send it with your appointment request, and is then kept with the request. "),
      config.privacyUrl ? link("Read the privacy notice", config.privacyUrl) : ""
    );
  }

  function drawMessage(message, animate) {
    if (message.from === "user") { // once the visitor has answered, older choices are spent
      log.querySelectorAll(".lantern-choice").forEach(function (b) { b.disabled = true; });
    }
    const item = el("li", "lantern-message lantern-message--" + message.from);
    const who = {
      user: "You", bot: "Lantern", error: "Lantern", info: "", notice: "Live chat notice",
    }[message.from] || "";
    if (who) { item.append(el("span", "lantern-visually-hidden", who + ": ")); }
    if (message.from === "staff") { // a person from the practice, never to be taken for the bot
      const name = typeof message.name === "string" && message.name ? message.name : "Someone";
      item.append(el("p", "lantern-speaker", name + " · " + config.practice + " (a person)"));
    }
    if (message.text) { item.append(el("p", "lantern-text", message.text)); }
    const custom = message.custom && typeof message.custom === "object" ? message.custom : {};
    if (custom.crisis && typeof custom.crisis === "object") { item.append(crisisCard(custom.crisis)); }
    if (custom.exercise && custom.exercise.pacer) {
      const box = pacerElement(custom.exercise.pacer);
      item.append(box);
      if (animate) { startPacer(box, custom.exercise.pacer); }
    }
    if (Array.isArray(custom.links)) { item.append(linkList(custom.links)); }
    if (custom.download && typeof custom.download === "object") {
      item.append(withSaveToNotes(downloadControls(custom.download), custom.download));
    }
    if (message.from === "error") { item.append(crisisCard({ region: state.region, resources: regionHelp(state.region).services })); }
    if (Array.isArray(message.buttons) && message.buttons.length) {
      const choices = el("div", "lantern-choices");
      choices.setAttribute("role", "group");
      choices.setAttribute("aria-label", "Suggested replies");
      message.buttons.forEach(function (choice) {
        if (!choice || typeof choice.payload !== "string") { return; }
        const label = String(choice.title || choice.payload);
        choices.append(button(label, "lantern-choice", function () { send(choice.payload, label); }));
      });
      item.append(choices);
    }
    if (custom.live_offer && typeof custom.live_offer === "object") {
      const offer = el("div", "lantern-choices");
      offer.setAttribute("role", "group");
      offer.setAttribute("aria-label", "Talk to a person");
      const label = typeof custom.live_offer.button === "string" && custom.live_offer.button
        ? custom.live_offer.button : "Yes, ask someone to join";
      offer.append(button(label, "lantern-choice lantern-live-offer", function () {
        askForPerson(label);
      }));
      item.append(offer);
    }
    if (message.time) {
      const stamp = el("time", "lantern-time", clockTime(message.time));
      stamp.dateTime = message.time;
      item.append(stamp);
    }
    log.append(item);
    item.scrollIntoView({ block: "nearest" });
    return item;
  }

  function addMessage(message) {
    message.time = new Date().toISOString();
    state.messages.push(message);
    saveState();
    drawMessage(message, true);
  }

  function botMessage(reply) {
    if (!reply || typeof reply !== "object") { return null; }
    const message = { from: "bot", text: typeof reply.text === "string" ? reply.text : "" };
    if (Array.isArray(reply.buttons)) { message.buttons = reply.buttons; }
    if (reply.custom && typeof reply.custom === "object") {
      message.custom = reply.custom;
      if (reply.custom.crisis && typeof reply.custom.crisis.region === "string") {
        state.region = reply.custom.crisis.region; // the bot's idea of the region wins
      }
    }
    return message.text || message.buttons || message.custom ? message : null;
  }

  // ``shown`` is what appears as the visitor's message: the typed text, a button's
  // title, or null for the silent greeting.
  function send(text, shown) {
    if (shown !== null) {
      addMessage({ from: "user", text: shown });
      drawNotice();
    }
    const conversation = state.id;
    sending = sending.then(function () { return deliver(conversation, text); });
    return sending;
  }

  function deliver(conversation, text) {
    typing.hidden = liveOpen() && state.live.state === "joined"; // the bot is quiet meanwhile
    const controller = new AbortController();
    const timer = window.setTimeout(function () { controller.abort(); }, REPLY_TIMEOUT_MS);
    return fetch(config.webhook, {
      method: "POST",
      // The header lets a load balancer keep a conversation on one Rasa instance.
      headers: { "Content-Type": "application/json", "X-Lantern-Conversation": conversation },
      body: JSON.stringify({ sender: conversation, message: text, metadata: { region: state.region } }),
      credentials: "omit",
      signal: controller.signal,
    })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (replies) {
        if (conversation !== state.id) { return; } // cleared or deleted meanwhile
        // While a person has the chat the bot is quiet ([]), but for crisis help at once.
        const messages = (Array.isArray(replies) ? replies : []).map(botMessage).filter(Boolean);
        messages.forEach(addMessage);
        watchSilence(messages.some(function (m) { return m.custom && m.custom.crisis; }));
      })
      .catch(function () {
        if (conversation !== state.id) { return; }
        addMessage({
          from: "error",
          text: "Lantern can't be reached right now. Your message was not sent. " +
            "If you need help now, these services can talk with you:",
        });
      })
      .finally(function () {
        window.clearTimeout(timer);
        typing.hidden = true;
      });
  }

  // After a crisis reply, a visitor who goes quiet is checked on once: the bot reads
  // "/silence" by what it last asked ("I'm still here. Are you safe right now?").
  let silenceTimer = null;
  function watchSilence(afterCrisis) {
    window.clearTimeout(silenceTimer);
    silenceTimer = null;
    if (afterCrisis && !liveOpen()) { // in a live chat, the person checks in
      const conversation = state.id;
      silenceTimer = window.setTimeout(function () {
        silenceTimer = null;
        if (conversation === state.id && state.open) { send("/silence", null); }
      }, config.silenceCheckMs);
    }
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const text = input.value.trim().slice(0, MAX_MESSAGE_CHARS);
    if (!text) {
      input.focus();
      return;
    }
    input.value = "";
    send(text, text);
  });

  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  // ---- live chat: a person from the practice joins the conversation -------------------

  // state.live: {open, after (the last event id seen), state, responder}, saved
  // with the conversation so that a reload carries on polling.
  function liveOpen() {
    return Boolean(state.live && state.live.open);
  }

  function liveUrl(conversation, path) {
    return config.webUrl + "/live/" + conversation + (path || "");
  }

  function eventId(value) {
    return typeof value === "number" && value >= 0 ? Math.floor(value) : 0;
  }

  // The answer's JSON, or an Error with the server's own sentence (``fromServer``).
  function answerOf(response) {
    return response.json().catch(function () { return {}; }).then(function (answer) {
      if (!response.ok) {
        const error = new Error(typeof answer.error === "string" ? answer.error : "HTTP " + response.status);
        error.fromServer = typeof answer.error === "string";
        throw error;
      }
      return answer;
    });
  }

  // Asked from the offer's button or the menu; ``shown`` is what the visitor pressed.
  function askForPerson(shown) {
    if (shown) {
      addMessage({ from: "user", text: shown });
      drawNotice();
    }
    if (liveOpen()) {
      announce("You have already asked for someone from " + config.practice + ".");
      return;
    }
    const conversation = state.id;
    fetch(config.webUrl + "/live/request", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ conversation_id: conversation, region: state.region }),
      credentials: "omit",
    })
      .then(answerOf)
      .then(function (answer) {
        if (conversation !== state.id) { return; }
        if (answer.state !== "waiting" && answer.state !== "joined") { // nobody can join now
          addMessage({
            from: "bot",
            text: typeof answer.text === "string" && answer.text ? answer.text
              : "Nobody from " + config.practice + " can join this chat right now.",
          });
          return;
        }
        state.live = { open: true, after: eventId(answer.after), state: answer.state, responder: "" };
        saveState();
        drawLiveBar();
        startLivePolling(0);
      })
      .catch(function () {
        if (conversation !== state.id) { return; }
        addMessage({
          from: "error",
          text: "Nobody could be asked to join just now. Please try again in a moment. " +
            "If you need help now, these services can talk with you:",
        });
      });
  }

  function startLivePolling(delay) {
    stopLivePolling();
    const run = livePoll.run;
    livePoll.timer = window.setTimeout(function () { pollLive(run); }, delay);
  }

  function stopLivePolling() {
    livePoll.run += 1;
    window.clearTimeout(livePoll.timer);
    livePoll.timer = null;
    livePoll.failures = 0;
  }

  function pollLive(run) {
    const conversation = state.id;
    let more = false;
    fetch(liveUrl(conversation, "?after=" + eventId(state.live && state.live.after)), {
      credentials: "omit",
      cache: "no-store",
    })
      .then(answerOf)
      .then(function (news) {
        if (run !== livePoll.run || conversation !== state.id || !state.live) { return; }
        livePoll.failures = 0;
        more = showLiveNews(news);
      })
      .catch(function () {
        if (run !== livePoll.run) { return; }
        livePoll.failures += 1; // keep trying, more slowly; the chat stays open meanwhile
        more = liveOpen();
        if (livePoll.failures === 3 && more) {
          liveText.textContent = "The live chat cannot be reached just now. Trying again…";
        }
      })
      .finally(function () {
        if (run !== livePoll.run || !more) { return; }
        const wait = Math.min(LIVE_POLL_MS * (1 + livePoll.failures), LIVE_RETRY_MS);
        livePoll.timer = window.setTimeout(function () { pollLive(run); }, wait);
      });
  }

  // Draws the live chat's new messages; whether to poll again.
  function showLiveNews(news) {
    const live = state.live;
    const messages = Array.isArray(news.messages) ? news.messages : [];
    messages.forEach(function (entry) {
      if (!entry || typeof entry !== "object" || (entry.from !== "staff" && entry.from !== "notice")) {
        return;
      }
      if (eventId(entry.id) && eventId(entry.id) <= eventId(live.after)) { return; } // drawn already
      const message = { from: entry.from, text: typeof entry.text === "string" ? entry.text : "" };
      if (entry.from === "staff") { message.name = typeof entry.name === "string" ? entry.name : ""; }
      if (entry.from === "notice" && entry.custom && typeof entry.custom === "object") {
        message.custom = entry.custom;
      }
      if (message.text || message.custom) { addMessage(message); }
    });
    live.after = Math.max(eventId(live.after), eventId(news.after));
    if (news.state === "waiting" || news.state === "joined") {
      live.state = news.state;
      live.responder = typeof news.responder === "string" ? news.responder : "";
      saveState();
      drawLiveBar();
      return true;
    }
    // Closed: the server says so only once the closing notice is there, drawn above.
    live.open = false;
    live.state = "closed";
    saveState();
    drawLiveBar();
    return false;
  }

  function drawLiveBar() {
    const open = liveOpen();
    talkButton.disabled = open;
    if (!open) {
      if (document.activeElement === leaveButton) { input.focus(); }
      liveBar.hidden = true;
      return;
    }
    liveText.textContent = state.live.state === "joined"
      ? (state.live.responder || "Someone") + " from " + config.practice + " (a person) is in this chat."
      : "Waiting for someone from " + config.practice + " to join.";
    liveBar.hidden = false;
  }

  function leaveLiveChat() {
    const conversation = state.id;
    leaveButton.disabled = true;
    announce("Leaving the live chat…");
    fetch(liveUrl(conversation, "/leave"), { method: "POST", credentials: "omit" })
      .then(answerOf)
      .then(function () {
        if (conversation !== state.id) { return; }
        announce("");
        startLivePolling(0); // the "You left" notice, and the closed state
      })
      .catch(function (error) {
        if (conversation !== state.id) { return; }
        announce(error.fromServer ? error.message
          : "You could not leave the live chat just now. Please try again.");
      })
      .finally(function () { leaveButton.disabled = false; });
  }

  // Before the conversation is cleared or deleted: leave, best effort.
  function leaveQuietly(conversation) {
    return fetch(liveUrl(conversation, "/leave"), { method: "POST", credentials: "omit", keepalive: true })
      .then(function () {}, function () {});
  }

  // Whether live chat is set up here (staffed hours), for the menu's "Talk to a person".
  function checkLiveAvailability() {
    fetch(config.webUrl + "/live/availability", { credentials: "omit", cache: "no-store" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (now) {
        const off = !now || now.enabled === false ||
          (!now.staffed_now && now.hours === "no hours are set");
        if (off && document.activeElement === talkButton) { menuButton.focus(); }
        talkButton.hidden = off;
      })
      .catch(function () { talkButton.hidden = true; });
  }

  // ---- clearing, deleting, leaving ------------------------------------------------------

  function startAgain(announcement) {
    forgetConversation();
    state.open = true;
    saveState();
    log.textContent = "";
    drawNotice();
    drawLiveBar();
    announce(announcement);
    input.focus();
    send("/greet", null);
  }

  function clearConversation() {
    showMenu(false);
    if (liveOpen()) { leaveQuietly(state.id); }
    startAgain("Cleared. A new conversation has started on this device.");
  }

  function confirmDelete() {
    confirmPanel.textContent = "";
    const question = el(
      "p", null,
      "Delete this conversation from " + config.practice + "'s records? This cannot be undone. " +
      "A request for an appointment that you already sent is not deleted, but a " +
      "first-session note you sent with it is. " +
      "Your notes on this device are deleted too."
    );
    question.id = "lantern-confirm-text";
    const yes = button("Delete it", "lantern-confirm-delete", deleteConversation);
    const no = button("Keep it", "lantern-confirm-cancel", function () {
      confirmPanel.hidden = true;
      input.focus();
    });
    confirmPanel.append(question, yes, no);
    confirmPanel.hidden = false;
    no.focus();
  }

  function deleteConversation() {
    const conversation = state.id;
    forgetNotes(); // only on this device: deleted at once
    if (!notesPanel.hidden) { showNotes(false); }
    announce("Deleting…");
    // Leave a live chat first, so that its closing notice is not written after the erasure.
    (liveOpen() ? leaveQuietly(conversation) : Promise.resolve())
      .then(function () {
        return fetch(config.webUrl + "/privacy/delete-conversation", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ conversation_id: conversation }),
          credentials: "omit",
        });
      })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        confirmPanel.hidden = true;
        startAgain("Your conversation was deleted.");
      })
      .catch(function () {
        announce("It could not be deleted just now. Please try again, or ask " + config.practice + " to delete it.");
      });
  }

  function quickExit() {
    if (liveOpen() && navigator.sendBeacon) { // the person from the practice sees them go
      try {
        navigator.sendBeacon(liveUrl(state.id, "/leave"));
      } catch (error) {
        // leaving matters less than getting away
      }
    }
    forgetConversation();
    forgetNotes();
    root.remove();
    document.title = "";
    document.body.textContent = "";
    window.location.replace(config.exitUrl);
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    const now = Date.now();
    if (now - lastEscape < DOUBLE_ESCAPE_MS) {
      quickExit();
      return;
    }
    lastEscape = now;
    if (!menu.hidden) { showMenu(false); menuButton.focus(); return; }
    if (!notesPanel.hidden) { showNotes(false); notesButton.focus(); }
  });
})();
