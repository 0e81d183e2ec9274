// Previews (artwork app): the title page's muted preview, and a card's preview on hover or keyboard focus.
// Windows are media fragments (video.mp4#t=start,end). Nothing starts by itself for viewers who prefer
// reduced motion: the title page keeps its artwork until they press "Play preview", and cards stay still.
(function () {
  "use strict";
  var reduced = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  var HOVER_DELAY_MS = 350;

  // Browsers honour the fragment's start, but playing on (or pressing play again) can run past its end.
  function keepInWindow(video, start, end) {
    video.addEventListener("timeupdate", function () {
      if (end && video.currentTime >= end) {
        video.pause();
        video.currentTime = start;
      }
    });
  }

  function setupTitlePreview() {
    var video = document.querySelector("video[data-title-preview]");
    if (!video) return;
    var figure = video.closest("[data-preview-start]");
    var start = parseFloat(figure.dataset.previewStart) || 0;
    var end = parseFloat(figure.dataset.previewEnd) || 0;
    var toggle = figure.querySelector("[data-preview-toggle]");
    video.muted = true;
    keepInWindow(video, start, end);
    function sync() {
      toggle.setAttribute("aria-pressed", String(!video.paused));
      toggle.textContent = video.paused ? "Play preview" : "Pause preview";
    }
    video.addEventListener("play", sync);
    video.addEventListener("pause", sync);
    toggle.addEventListener("click", function () {
      if (video.paused) video.play().catch(function () {});
      else video.pause();
    });
    sync();
    if (!reduced) video.play().catch(function () {}); // a refused autoplay leaves the artwork showing
  }

  function setupCardPreviews() {
    if (reduced) return;
    var answers = {}; // preview endpoint URL -> promise of {url, start, end} or null, once per page
    var pending = null;
    var active = null;
    var timer = null;

    function previewFor(link) {
      var url = link.dataset.previewUrl || new URL("preview/", link.href).href;
      if (!(url in answers)) {
        answers[url] = fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then(function (response) { return response.status === 200 ? response.json() : null; })
          .catch(function () { return null; });
      }
      return answers[url];
    }

    function stop() {
      clearTimeout(timer);
      pending = null;
      if (active) {
        active.video.pause();
        active.video.remove();
        active = null;
      }
    }

    function show(link, preview) {
      if (!preview || pending !== link) return;
      var image = link.querySelector("img");
      var video = document.createElement("video");
      video.className = "card-preview";
      video.muted = true;
      video.playsInline = true;
      video.setAttribute("aria-hidden", "true");
      video.src = preview.url;
      video.style.cssText = "position:absolute;left:0;top:0;width:100%;object-fit:cover;pointer-events:none;" +
        "border-radius:inherit;height:" + (image ? image.offsetHeight : link.offsetHeight) + "px";
      if (getComputedStyle(link).position === "static") link.style.position = "relative";
      keepInWindow(video, preview.start, preview.end);
      link.appendChild(video);
      active = { link: link, video: video };
      video.play().catch(function () {});
    }

    function start(link) {
      if (pending === link || (active && active.link === link)) return;
      stop();
      pending = link;
      timer = setTimeout(function () {
        previewFor(link).then(function (preview) { show(link, preview); });
      }, HOVER_DELAY_MS);
    }

    function cardLink(node) {
      return node && node.closest ? node.closest(".card-link") : null;
    }

    document.addEventListener("mouseover", function (event) {
      var link = cardLink(event.target);
      if (link) start(link);
    });
    document.addEventListener("mouseout", function (event) {
      var link = cardLink(event.target);
      if (link && !link.contains(event.relatedTarget)) stop();
    });
    document.addEventListener("focusin", function (event) {
      var link = cardLink(event.target);
      if (link) start(link);
    });
    document.addEventListener("focusout", function (event) {
      if (cardLink(event.target)) stop();
    });
  }

  function ready() {
    setupTitlePreview();
    setupCardPreviews();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();
