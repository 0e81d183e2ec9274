// Staff dashboard: poll each recent job's status until it finishes (progress bar + result).
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
        if (task.status === "PROGRESS" && typeof result.percent === "number") {
          bar.value = result.percent; note.textContent = result.note || (result.done + " / " + result.total);
        } else if (task.status === "SUCCESS") {
          bar.value = 100; note.textContent = typeof task.result === "object" ? JSON.stringify(task.result) : String(task.result);
        } else if (task.status === "FAILURE") {
          note.textContent = (task.result && task.result.exc_message) ? String(task.result.exc_message) : "failed";
        }
        if (!task.done) setTimeout(function () { poll(row); }, 1000);
      })
      .catch(function () { setTimeout(function () { poll(row); }, 3000); });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("tr.task[data-task-url]").forEach(poll);
  });
})();
