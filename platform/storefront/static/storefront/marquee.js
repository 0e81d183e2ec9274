// Marquee storefront behaviour: search suggestions and playback progress. No libraries, no CDN.
(function () {
  "use strict";
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  // --- As-you-type suggestions (combobox: arrows move, Enter opens, Escape closes) ---------------
  function setupSuggestions(form) {
    var input = form.querySelector('input[type="search"]');
    var list = form.querySelector(".suggestions");
    var timer = null, active = -1, seq = 0;
    function close() { list.hidden = true; list.innerHTML = ""; input.setAttribute("aria-expanded", "false"); active = -1; }
    function highlight(index) {
      var items = list.querySelectorAll("li");
      items.forEach(function (li, i) { li.setAttribute("aria-selected", i === index ? "true" : "false"); });
      active = index;
      if (items[index]) input.setAttribute("aria-activedescendant", items[index].id);
    }
    function render(suggestions) {
      list.innerHTML = "";
      suggestions.forEach(function (s, i) {
        var li = document.createElement("li");
        li.id = "suggestion-" + i; li.setAttribute("role", "option");
        var a = document.createElement("a");
        a.href = s.url; a.textContent = s.name + (s.year ? " (" + s.year + ")" : ""); a.tabIndex = -1;
        li.appendChild(a); list.appendChild(li);
      });
      list.hidden = suggestions.length === 0;
      input.setAttribute("aria-expanded", suggestions.length ? "true" : "false");
      active = -1;
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      var q = input.value.trim();
      if (q.length < 2) { close(); return; }
      timer = setTimeout(function () {
        var mine = ++seq;
        fetch(form.dataset.suggestUrl + "?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
          .then(function (data) { if (mine === seq) render(data.suggestions); })
          .catch(close);
      }, 150);
    });
    input.addEventListener("keydown", function (e) {
      var items = list.querySelectorAll("li");
      if (e.key === "ArrowDown" && items.length) { e.preventDefault(); highlight((active + 1) % items.length); }
      else if (e.key === "ArrowUp" && items.length) { e.preventDefault(); highlight((active - 1 + items.length) % items.length); }
      else if (e.key === "Escape") { close(); }
      else if (e.key === "Enter" && active >= 0 && items[active]) { e.preventDefault(); window.location = items[active].querySelector("a").href; }
    });
    input.addEventListener("blur", function () { setTimeout(close, 200); });
  }

  // --- Progress reporting: one ViewingEvent per session, grown by each report ---------------------
  function Reporter(url) {
    this.url = url; this.event = null; this.inflight = false; this.pending = null;
    this.status = document.getElementById("progress-status");
  }
  Reporter.prototype.send = function (position, watched) {
    var self = this;
    if (this.inflight) { this.pending = [position, watched]; return; }
    this.inflight = true;
    fetch(this.url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ event: this.event, position: position, watched: watched })
    }).then(function (r) { return r.json(); }).then(function (data) {
      if (data.event) {
        self.event = data.event;
        self.status.textContent = "Saved: " + Math.round(data.completion * 100) + "% watched (" + data.seconds_watched + " s).";
        self.status.dataset.event = data.event;
        self.status.dataset.seconds = data.seconds_watched;
      }
    }).catch(function () { self.status.textContent = "Could not save progress; retrying."; })
      .finally(function () {
        self.inflight = false;
        if (self.pending) { var p = self.pending; self.pending = null; self.send(p[0], p[1]); }
      });
  };

  function setupVideo(section, video) {
    var reporter = new Reporter(section.dataset.progressUrl);
    var watched = 0, last = null, lastSent = -10;
    var resume = parseFloat(section.dataset.resume) || 0;
    // Start where the last session left off (the server says where; 0 for a new or finished title).
    function seekToResume() { if (resume > 0 && video.currentTime < resume) video.currentTime = resume; }
    if (video.readyState >= 1) seekToResume(); else video.addEventListener("loadedmetadata", seekToResume, { once: true });
    video.addEventListener("timeupdate", function () {
      var now = video.currentTime;
      // Count only time actually played: a seek forward is not watching.
      if (last !== null && !video.paused && now > last && now - last < 2) watched += now - last;
      last = now;
      if (watched - lastSent >= 5) { lastSent = watched; reporter.send(now, watched); }
    });
    video.addEventListener("seeking", function () { last = null; });
    ["pause", "ended"].forEach(function (name) {
      video.addEventListener(name, function () { lastSent = watched; reporter.send(video.currentTime, watched); });
    });
  }

  function setupSimulated(section, box) {
    var reporter = new Reporter(section.dataset.progressUrl);
    var button = document.getElementById("simulated-play");
    var bar = document.getElementById("simulated-progress");
    var duration = parseFloat(section.dataset.duration), speed = parseFloat(box.dataset.speed);
    var position = Math.min(duration, parseFloat(section.dataset.resume) || 0), timer = null, ticks = 0;
    var start = position;  // this session watches from here: only what it plays counts as watched
    bar.value = position;
    function stop() {
      clearInterval(timer); timer = null; button.textContent = "▶ Play";
      reporter.send(position, position - start);
    }
    button.addEventListener("click", function () {
      if (timer) { stop(); return; }
      button.textContent = "❚❚ Pause";
      timer = setInterval(function () {
        position = Math.min(duration, position + speed / 4);
        bar.value = position;
        ticks += 1;
        if (ticks % 8 === 0 || position >= duration) reporter.send(position, position - start);
        if (position >= duration) stop();
      }, 250);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form.searchbox").forEach(setupSuggestions);
    // Row arrows for a mouse (touch and trackpads scroll the rail directly): a page of cards per click.
    if (window.matchMedia("(hover: hover) and (pointer: fine)").matches) {
      document.querySelectorAll(".rail-wrap").forEach(function (wrap) {
        var rail = wrap.querySelector(".rail"), prev = wrap.querySelector(".prev"), next = wrap.querySelector(".next");
        function update() {
          prev.hidden = rail.scrollLeft <= 2;
          next.hidden = rail.scrollLeft + rail.clientWidth >= rail.scrollWidth - 2;
        }
        prev.addEventListener("click", function () { rail.scrollBy({ left: -rail.clientWidth * 0.9, behavior: "smooth" }); });
        next.addEventListener("click", function () { rail.scrollBy({ left: rail.clientWidth * 0.9, behavior: "smooth" }); });
        rail.addEventListener("scroll", update, { passive: true });
        window.addEventListener("resize", update);
        update();
      });
    }
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
    var section = document.querySelector(".player");
    if (section) {
      var video = section.querySelector("video");
      var simulated = section.querySelector(".simulated");
      if (video) setupVideo(section, video);
      else if (simulated) setupSimulated(section, simulated);
    }
  });
})();
