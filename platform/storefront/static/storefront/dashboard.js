// Staff dashboard: poll each recent job's status until it finishes (progress bar + readable result),
// and fill the queue summary from the queue monitor's JSON.
(function () {
  "use strict";
  function poll(row) {
    fetch(row.dataset.taskUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (task) {
        row.querySelector(".task-status").textContent = task.status;
        row.dataset.status = task.status;
        var bar = row.querySelector("progress"), note = row.querySelector(".task-note");
        var result = task.result || {};
        if (task.status === "PROGRESS" && typeof result.percent === "number") bar.value = result.percent;
        if (task.status === "SUCCESS") bar.value = 100;
        note.textContent = task.summary || "";
        if (!task.done) setTimeout(function () { poll(row); }, 1000);
      })
      .catch(function () { setTimeout(function () { poll(row); }, 3000); });
  }
  function queues(section) {
    var line = section.querySelector(".queue-line");
    fetch(section.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (state) {
        var workers = state.workers === null ? (state.broker === "ok" ? "no worker answered" : "workers unknown")
          : Object.keys(state.workers).length + " worker(s) alive";
        var parts = state.queues.map(function (q) {
          return q.name + ": " + (q.waiting === null ? "unknown" : q.waiting + " waiting") + ", ETA " + q.eta_text;
        });
        line.textContent = "Broker " + state.broker + " · " + workers + " · " + parts.join(" · ");
        setTimeout(function () { queues(section); }, 10000);
      })
      .catch(function () { line.textContent = "Queue state unknown (the monitor did not answer)."; });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("tr.task[data-task-url]").forEach(poll);
    var section = document.getElementById("queue-summary");
    if (section) queues(section);
  });
})();
