// Support chat widget: posts questions to the support API and shows replies.
// Every piece of text from the server is inserted with textContent, never as HTML.
(function () {
  "use strict";
  const root = document.getElementById("support-chat");
  if (!root) return;
  const panel = root.querySelector(".support-chat-panel");
  const toggle = root.querySelector(".support-chat-toggle");
  const log = root.querySelector(".support-chat-log");
  const form = root.querySelector(".support-chat-form");
  const input = form.querySelector("input[name=question]");
  const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  const maxChars = parseInt(root.dataset.maxChars, 10) || 500;
  let lastAgentId = 0;
  let pollTimer = null;

  function line(kind, text) {
    const li = document.createElement("li");
    li.className = kind;
    li.textContent = text;
    log.appendChild(li);
    log.scrollTop = log.scrollHeight;
    return li;
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body),
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { ok: response.ok, status: response.status, data: data };
      });
    });
  }

  function addFeedback(li, messageId) {
    const wrap = document.createElement("div");
    [["👍", true], ["👎", false]].forEach(function (pair) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = pair[0];
      button.setAttribute("aria-label", pair[1] ? "This helped" : "This did not help");
      button.addEventListener("click", function () {
        post(root.dataset.feedbackUrl, { message_id: messageId, helpful: pair[1] });
        wrap.textContent = "Thanks for the feedback.";
      });
      wrap.appendChild(button);
    });
    li.appendChild(wrap);
  }

  function addChoices(li, choices) {
    const wrap = document.createElement("div");
    choices.forEach(function (choice) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = choice.label;
      button.addEventListener("click", function () { ask(choice.label, choice.faq_id); wrap.remove(); });
      wrap.appendChild(button);
    });
    li.appendChild(wrap);
  }

  function addLinks(li, links) {
    links.forEach(function (link) {
      const a = document.createElement("a");
      a.href = link.url;   // server-built relative URLs only
      a.textContent = link.title;
      li.appendChild(document.createElement("br"));
      li.appendChild(a);
    });
  }

  function show(data) {
    const li = line("from-bot", data.answer || "");
    if (data.clarify && data.choices) addChoices(li, data.choices);
    if (data.links && data.links.length) addLinks(li, data.links);
    if (!data.handoff && !data.clarify && data.message_id) addFeedback(li, data.message_id);
    if (data.handoff) startPolling();
  }

  function ask(question, choice) {
    line("from-subscriber", question);
    const body = { question: question };
    if (choice) body.choice = choice;
    post(root.dataset.askUrl, body).then(function (result) {
      if (result.ok) { show(result.data); return; }
      const d = result.data || {};
      const message = d.detail || (d.question && d.question[0]) || "Something went wrong; please try again.";
      line("from-bot notice", message);
    }).catch(function () { line("from-bot notice", "Can't reach support right now; please try again."); });
  }

  function poll() {
    fetch(root.dataset.repliesUrl + "?after=" + lastAgentId, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { messages: [] }; })
      .then(function (data) {
        (data.messages || []).forEach(function (m) {
          lastAgentId = Math.max(lastAgentId, m.id);
          line("from-agent", "Support team: " + m.text);
        });
      }).catch(function () {});
  }

  function startPolling() {
    if (!pollTimer) pollTimer = setInterval(poll, 15000);
  }

  toggle.addEventListener("click", function () {
    const open = panel.hidden;
    panel.hidden = !open;
    toggle.setAttribute("aria-expanded", String(open));
    if (open) { input.focus(); poll(); }
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const question = input.value.trim().slice(0, maxChars);
    if (!question) return;
    input.value = "";
    ask(question);
  });
})();
