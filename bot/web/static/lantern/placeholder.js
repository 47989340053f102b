// Placeholder chat: sends a message to the Rasa REST channel and shows the reply.
// Everything is rendered with textContent; the real widget has its own issue.
(function () {
  "use strict";
  var form = document.getElementById("chat");
  var input = document.getElementById("message");
  var list = document.getElementById("messages");
  var webhook = form.dataset.rasaUrl + "/webhooks/rest/webhook";

  function conversationId() {
    var id = sessionStorage.getItem("lantern-sender");
    if (!id) {
      var bytes = new Uint8Array(16);
      crypto.getRandomValues(bytes);
      id = Array.from(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
      sessionStorage.setItem("lantern-sender", id);
    }
    return id;
  }

  function show(text, who) {
    var item = document.createElement("li");
    item.className = who;
    item.textContent = text;
    list.appendChild(item);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) { return; }
    input.value = "";
    show(text, "user");
    fetch(webhook, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sender: conversationId(), message: text, metadata: { region: form.dataset.region } })
    })
      .then(function (response) { return response.json(); })
      .then(function (replies) {
        replies.forEach(function (reply) { if (reply.text) { show(reply.text, "bot"); } });
      })
      .catch(function () {
        show("The assistant can't be reached right now. If you are in danger, call your local emergency number.", "error");
      });
  });
})();
