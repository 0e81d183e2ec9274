// Live size preview: post the unsaved form to the preview endpoint as staff edit the rules.
(function () {
  const form = document.querySelector("#segment_form");
  const config = document.querySelector("#segment-preview-script");
  const box = () => document.querySelector("#segment-preview");
  if (!form || !config) return;
  let timer = null;
  function refresh() {
    const data = new FormData(form);
    data.set("segment_pk", config.dataset.segmentPk);
    fetch(config.dataset.previewUrl, {method: "POST", body: data, credentials: "same-origin"})
      .then(r => r.json())
      .then(found => {
        const el = box();
        if (!el) return;
        el.textContent = "";
        const strong = document.createElement("strong");
        if (found.error) { strong.style.color = "#b00"; strong.textContent = found.error; el.append(strong); return; }
        strong.textContent = found.size;
        el.append(strong, " members now. Sample: " + (found.sample.join(", ") || "none"));
      });
  }
  form.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(refresh, 400); });
  form.addEventListener("change", () => { clearTimeout(timer); timer = setTimeout(refresh, 400); });
})();
