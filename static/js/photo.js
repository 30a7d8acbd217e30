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

  function describe(entry) {
    switch (entry.state) {
      case "queued": return entry.error || "Waiting to be restored";
      case "submitting": return "Sending";
      case "submitted": case "processing": return "Restoring " + (entry.progress || 0) + "%";
      case "downloading": return "Fetching the result";
      case "done": return "Restored";
      case "failed": return "Failed: " + (entry.error || "unknown error");
      case "cancelled": return "Cancelled";
      default: return "";
    }
  }

  function show(entry) {
    if (!live) return;
    const box = live.querySelector(".rstate") || live;
    const badge = box.querySelector(".badge");
    if (badge) {
      badge.textContent = describe(entry);
      badge.className = "badge " + (entry.state === "done" ? "ok" : entry.state === "failed" ? "bad" : "wait");
    }
    box.querySelector(".rstate-message")?.remove();
    const bar = box.querySelector("progress");
    if (bar) {
      bar.value = entry.progress || 0;
      if (FINAL.has(entry.state)) bar.remove();
    }
    box.dataset.state = entry.state;
  }

  function showResult(entry) {
    const pane = compare.querySelector(".after");
    if (!entry.display_url || !entry.result_url || pane.querySelector("img")) return;
    const original = compare.querySelector(".before img");
    const img = document.createElement("img");
    img.className = "stage-image";
    img.alt = "Restored";
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
