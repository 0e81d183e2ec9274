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

  // The conversation survives page changes for its idle period: its lines, the server's conversation
  // id, whether the panel was open and whether a person was asked for live in sessionStorage (this tab only).
  const STORE = "marquee-support-chat-" + (root.dataset.account || "");  // one account's chat never shows to another
  let state = { conversation: null, idleSeconds: 1800, lastActive: 0, lines: [], open: false, handedOff: false };

  function save() {
    try { sessionStorage.setItem(STORE, JSON.stringify(state)); } catch (e) { /* storage full or off */ }
  }

  function restore() {
    let saved = null;
    try { saved = JSON.parse(sessionStorage.getItem(STORE) || "null"); } catch (e) { saved = null; }
    if (!saved || !Array.isArray(saved.lines)) return;
    if (Date.now() - (saved.lastActive || 0) > (saved.idleSeconds || 1800) * 1000) {
      sessionStorage.removeItem(STORE);  // idle too long: the server starts a new conversation too
      return;
    }
    state = saved;
    lastAgentId = saved.lastAgentId || 0;
    state.lines.forEach(function (entry) { draw(entry.kind, entry.text); });
    if (state.handedOff) startPolling();
    if (state.open) setOpen(true, false);
  }

  function draw(kind, text) {
    const li = document.createElement("li");
    li.className = kind;
    li.textContent = text;
    log.appendChild(li);
    log.scrollTop = log.scrollHeight;
    return li;
  }

  function line(kind, text) {
    state.lines.push({ kind: kind, text: text });
    state.lines = state.lines.slice(-100);
    state.lastActive = Date.now();
    save();
    return draw(kind, text);
  }

  const SVG = "http://www.w3.org/2000/svg";
  const THUMB_UP = "M2 21h4V9H2v12zm20-11a2 2 0 0 0-2-2h-6.3l1-4.6v-.3c0-.4-.2-.8-.4-1.1L13.2 1 6.6 7.6C6.2 8 6 8.5 6 9v10a2 2 0 0 0 2 2h9c.8 0 1.5-.5 1.8-1.2l3-7.1c.1-.2.2-.5.2-.7v-2z";
  const THUMB_DOWN = "M22 3h-4v12h4V3zM2 14a2 2 0 0 0 2 2h6.3l-1 4.6v.3c0 .4.2.8.4 1.1l1.1 1 6.6-6.6c.4-.4.6-.9.6-1.4V5a2 2 0 0 0-2-2H7c-.8 0-1.5.5-1.8 1.2l-3 7.1c-.1.2-.2.5-.2.7v2z";

  function icon(path) {
    // Inline SVG, not emoji: it renders without an emoji font.
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "16");
    svg.setAttribute("height", "16");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    const shape = document.createElementNS(SVG, "path");
    shape.setAttribute("fill", "currentColor");
    shape.setAttribute("d", path);
    svg.appendChild(shape);
    return svg;
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
    wrap.className = "feedback";
    [[THUMB_UP, true], [THUMB_DOWN, false]].forEach(function (pair) {
      const button = document.createElement("button");
      button.type = "button";
      button.appendChild(icon(pair[0]));
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
    if (data.conversation_id) state.conversation = data.conversation_id;
    if (data.idle_seconds) state.idleSeconds = data.idle_seconds;
    if (data.handoff) { state.handedOff = true; startPolling(); }
    save();
  }

  // While an answer is on its way (the first one can take seconds), say so, so a wait never looks like
  // nothing happened. The line is not stored: it would mean nothing on the next page.
  function thinking() {
    const li = draw("thinking", "Thinking\u2026");
    return function () { li.remove(); };
  }

  function ask(question, choice) {
    line("from-subscriber", question);
    const body = { question: question };
    if (choice) body.choice = choice;
    const done = thinking();
    post(root.dataset.askUrl, body).then(function (result) {
      done();
      if (result.ok) { show(result.data); return; }
      const d = result.data || {};
      const message = d.detail || (d.question && d.question[0]) || "Something went wrong; please try again.";
      line("from-bot notice", message);
    }).catch(function () { done(); line("from-bot notice", "Can't reach support right now; please try again."); });
  }

  function poll() {
    fetch(root.dataset.repliesUrl + "?after=" + lastAgentId, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { messages: [] }; })
      .then(function (data) {
        (data.messages || []).forEach(function (m) {
          lastAgentId = Math.max(lastAgentId, m.id);
          state.lastAgentId = lastAgentId;
          line("from-agent", "Support team: " + m.text);
        });
      }).catch(function () {});
  }

  function startPolling() {
    if (!pollTimer) pollTimer = setInterval(poll, 15000);
  }

  function setOpen(open, focus) {
    panel.hidden = !open;
    toggle.setAttribute("aria-expanded", String(open));
    state.open = open;
    save();
    if (open) { if (focus) input.focus(); poll(); } else if (focus) toggle.focus();
  }

  toggle.addEventListener("click", function () { setOpen(panel.hidden, true); });
  root.querySelector(".support-chat-close").addEventListener("click", function () { setOpen(false, true); });
  root.querySelector(".support-chat-human").addEventListener("click", function () {
    ask("I'd like to talk to a person, please.");  // the bot hands off at once on asking for a person
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !panel.hidden) setOpen(false, true);
  });
  restore();

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const question = input.value.trim().slice(0, maxChars);
    if (!question) return;
    input.value = "";
    ask(question);
  });
})();
