// Photo page: arrow keys for previous/next, the before/after slider, and the
// restoration's live state. Without this script the page shows the original
// and the restored picture side by side, and a reload shows the state.
(function () {
  "use strict";

  document.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    if (event.target.closest("input, textarea, select, [contenteditable]")) return;
    const id = event.key === "ArrowLeft" ? "prev-link" : event.key === "ArrowRight" ? "next-link" : null;
    const link = id && document.getElementById(id);
    if (link) window.location.href = link.href;
  });

  const compare = document.getElementById("compare");
  if (!compare) return;

  // ---- Before/after slider ---------------------------------------------------
  function activateSlider() {
    if (compare.classList.contains("slider") || !compare.querySelector(".after img")) return;
    window.Compare.slider(compare);
  }
  activateSlider();

  // ---- Live state ------------------------------------------------------------
  const FINAL = new Set(["stored", "done", "failed", "cancelled"]);
  const live = document.getElementById("live-state");
  const statusUrl = compare.dataset.statusUrl;
  let state = compare.dataset.state;

  // The server renders the state (status.json's html, from the page's own partial).
  function show(entry) {
    if (live && entry.html) live.innerHTML = entry.html;
  }

  function showResult(entry) {
    const pane = compare.querySelector(".after");
    if (!entry.display_url || !entry.result_url || pane.querySelector("img")) return;
    const original = compare.querySelector(".before img");
    const img = document.createElement("img");
    img.className = "stage-image";
    img.alt = original.alt.replace(/^Before restoration/, "After restoration");
    img.width = original.width;
    img.height = original.height;
    img.src = entry.display_url;
    pane.prepend(img);
    compare.classList.add("has-after");
    img.addEventListener("load", activateSlider, { once: true });
  }

  async function poll() {
    if (document.hidden) { setTimeout(poll, 2000); return; }
    try {
      const response = await fetch(statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (response.ok) {
        const entry = (await response.json()).photos[0];
        if (entry) {
          show(entry);
          if (entry.state === "done") showResult(entry);
          state = entry.state;
        }
      }
    } catch (error) {
      // A dropped connection: the next poll catches up.
    }
    if (!FINAL.has(state)) setTimeout(poll, 2000);
  }
  if (!FINAL.has(state)) setTimeout(poll, 1500);
})();
