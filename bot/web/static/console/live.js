// The console's live view: polls the queue (new requests ring and count in the title)
// or the joined chat (new lines, with the risk screen's flags) once a second.
(function () {
  "use strict";

  const POLL_MS = 1000;
  const baseTitle = document.title;

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function csrfToken() {
    const field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function minutes(seconds) {
    return seconds < 60 ? seconds + " s" : Math.floor(seconds / 60) + " min " + (seconds % 60) + " s";
  }

  // A short tone, without an audio file (the policy allows only this site's scripts).
  function ring() {
    try {
      const context = new (window.AudioContext || window.webkitAudioContext)();
      const tone = context.createOscillator();
      const gain = context.createGain();
      tone.frequency.value = 880;
      gain.gain.value = 0.1;
      tone.connect(gain).connect(context.destination);
      tone.start();
      tone.stop(context.currentTime + 0.3);
    } catch (error) { /* no sound: the title still counts */ }
  }

  function poll(url, handle) {
    function next() {
      fetch(url(), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (response.status === 403 || response.redirected) { throw new Error("signed out"); }
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.json();
        })
        .then(handle)
        .catch(function (error) { handle(null, error); })
        .finally(function () { window.setTimeout(next, POLL_MS); });
    }
    next();
  }

  // ---- the queue -------------------------------------------------------------------

  const queue = document.querySelector(".live-queue");
  if (queue) {
    const body = queue.querySelector("tbody");
    const status = document.getElementById("live-status");
    const acceptForm = document.getElementById("live-accept-form");
    let seen = new Set();
    let first = true;
    poll(function () { return queue.dataset.queueUrl; }, function (data, error) {
      if (!data) {
        status.textContent = "The queue cannot be reached (" + error.message + "). Retrying…";
        return;
      }
      body.textContent = "";
      let fresh = false;
      data.chats.forEach(function (chat) {
        if (chat.state === "waiting" && !seen.has(chat.id)) { fresh = true; }
        const row = el("tr", "risk-" + chat.risk_level);
        row.append(
          el("td", null, chat.risk_level),
          el("td", null, chat.region || "unknown"),
          el("td", null, minutes(chat.waited_seconds)),
          el("td", null, chat.state === "joined" ? "with " + chat.responder : "waiting"),
          el("td", null, minutes(chat.visitor_quiet_seconds) + " ago")
        );
        const cell = el("td");
        if (chat.state === "waiting") {
          const join = el("button", "live-join", "Join this chat");
          join.type = "button";
          join.addEventListener("click", function () {
            acceptForm.action = queue.dataset.acceptUrl.replace("/0/", "/" + chat.id + "/");
            acceptForm.submit();
          });
          const read = el("a", null, "Read the conversation so far");
          read.href = queue.dataset.chatUrl.replace("/0/", "/" + chat.id + "/");
          cell.append(join, " ", read);
        } else if (chat.mine) {
          const open = el("a", null, "Open your chat");
          open.href = queue.dataset.chatUrl.replace("/0/", "/" + chat.id + "/");
          cell.append(open);
        }
        row.append(cell);
        body.append(row);
      });
      seen = new Set(data.chats.map(function (chat) { return chat.id; }));
      if (fresh && !first) { ring(); }
      first = false;
      document.title = (data.waiting ? "(" + data.waiting + ") " : "") + baseTitle;
      status.textContent = data.waiting
        ? data.waiting + " waiting for a person."
        : "Nobody is waiting.";
    });
  }

  // ---- one chat --------------------------------------------------------------------

  const transcript = document.querySelector(".live-transcript");
  if (transcript) {
    const status = document.getElementById("live-chat-status");
    const sayForm = document.getElementById("live-say");
    const actions = document.querySelector(".live-actions");
    let after = 0;

    function line(entry) {
      const item = el("li", entry.from === "visitor" ? "user risk-" + entry.level : entry.from);
      const who = entry.from === "visitor" ? "Visitor"
        : entry.from === "staff" ? entry.name + " (staff)"
        : entry.from === "notice" ? "Live chat notice" : "Bot";
      item.append(el("p", "meta", who));
      item.append(el("p", "text", entry.text));
      if (entry.from === "visitor" && entry.level !== "none") {
        item.append(el("p", "flag", "Risk " + entry.level + ": " + (entry.categories || []).join(", ") +
          ". The visitor was shown crisis help." ));
      }
      if (entry.crisis_help) { item.append(el("p", "meta", "Crisis services shown to the visitor.")); }
      return item;
    }

    poll(function () { return transcript.dataset.chatUrl + "?after=" + after; }, function (data, error) {
      if (!data) {
        status.textContent = "The chat cannot be reached (" + error.message + "). Retrying…";
        return;
      }
      data.lines.forEach(function (entry) { transcript.append(line(entry)); });
      after = data.after;
      const joined = data.state === "joined" && data.mine;
      sayForm.hidden = !joined;
      actions.hidden = !joined;
      status.textContent = data.state === "joined"
        ? (data.mine ? "You are in this chat. The bot is quiet until you hand back."
          : data.responder + " is in this chat.")
        : data.state === "waiting" ? "Waiting for a responder." : "This live chat has closed.";
      if (data.lines.length && data.lines[data.lines.length - 1].from === "visitor") {
        window.scrollTo(0, document.body.scrollHeight);
      }
    });

    sayForm.addEventListener("submit", function (event) {
      event.preventDefault();
      const field = sayForm.querySelector("textarea");
      const text = field.value.trim();
      if (!text) { return; }
      const body = new URLSearchParams({ text: text, csrfmiddlewaretoken: csrfToken() });
      fetch(sayForm.action, { method: "POST", body: body, credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken() } })
        .then(function (response) { return response.json().then(function (answer) { return [response, answer]; }); })
        .then(function (pair) {
          if (pair[0].ok) { field.value = ""; field.focus(); }
          else { status.textContent = pair[1].error || "Not sent."; }
        })
        .catch(function () { status.textContent = "Not sent: the console cannot be reached."; });
    });
  }
})();
