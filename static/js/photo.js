// Photo page: arrow keys move to the previous and next photo.
(function () {
  "use strict";
  document.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    const target = event.target;
    if (target.closest("input, textarea, select, [contenteditable]")) return;
    const id = event.key === "ArrowLeft" ? "prev-link" : event.key === "ArrowRight" ? "next-link" : null;
    const link = id && document.getElementById(id);
    if (link) window.location.href = link.href;
  });
})();
