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
  // `pending` is a question whose answer has not arrived yet; `lastReplyId` the newest bot line shown.
  let state = { conversation: null, idleSeconds: 1800, lastActive: 0, lines: [], open: false, handedOff: false,
                pending: null, lastReplyId: 0 };

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
    if (state.pending) recoverAnswer(state.pending);
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
    if (data.message_id) state.lastReplyId = Math.max(state.lastReplyId || 0, data.message_id);
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
    state.pending = { at: Date.now(), after: state.lastReplyId || 0 };
    line("from-subscriber", question);  // saves the pending question with the line
    const body = { question: question };
    if (choice) body.choice = choice;
    const done = thinking();
    post(root.dataset.askUrl, body).then(function (result) {
      done();
      state.pending = null;
      if (result.ok) { show(result.data); return; }
      const d = result.data || {};
      const message = d.detail || (d.question && d.question[0]) || "Something went wrong; please try again.";
      line("from-bot notice", message);
    }).catch(function () {
      if (leaving) return;  // the page is going: the next page picks the answer up (recoverAnswer)
      done();
      state.pending = null;
      line("from-bot notice", "Can't reach support right now; please try again.");
    });
  }

  // A question sent just before the page changed was answered, but its response had no page to go to.
  // The next page asks the server for that answer rather than losing it or asking again.
  const RECOVER_FOR_SECONDS = 60;
  function recoverAnswer(pending) {
    const done = thinking();
    function giveUp() {
      done();
      state.pending = null;
      line("from-bot notice", "Your last question did not get an answer; please ask it again.");
    }
    function check() {
      const waited = Math.ceil((Date.now() - pending.at) / 1000);
      if (waited > RECOVER_FOR_SECONDS) { giveUp(); return; }
      const query = "?after=" + (pending.after || 0) + "&answered_within=" + waited;
      fetch(root.dataset.repliesUrl + query, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : {}; })
        .then(function (data) {
          if (!data.answer) { setTimeout(check, 2000); return; }  // still being answered
          done();
          state.pending = null;
          show({ answer: data.answer.text, message_id: data.answer.id,
                 handoff: data.answer.outcome === "handoff", clarify: data.answer.outcome === "clarify" });
        }).catch(function () { setTimeout(check, 2000); });
    }
    check();
  }

  // Navigation cancels the fetch of an answer in flight; that is not "can't reach support".
  let leaving = false;
  window.addEventListener("pagehide", function () { leaving = true; });
  window.addEventListener("pageshow", function () { leaving = false; });  // back from the page cache

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
