// Shared album: a lightbox over the grid, with the before/after slider where a
// photo was restored. Without this script every tile opens the photo's page.
(function () {
  "use strict";
  const grid = document.getElementById("share-grid");
  const box = document.getElementById("lightbox");
  if (!grid || !box) return;
  const links = [...grid.querySelectorAll("a[data-display]")];
  const figure = document.getElementById("lightbox-figure");
  const beforeImg = figure.querySelector(".before img");
  const afterPane = figure.querySelector(".after");
  const download = box.querySelector(".lightbox-download");
  const title = box.querySelector(".lightbox-title");
  let current = -1;
  let opener = null;

  function show(index) {
    current = (index + links.length) % links.length;
    const link = links[current];
    afterPane.querySelector("img")?.remove();
    figure.classList.remove("slider", "has-after");
    figure.compare?.reset();  // the last photo's zoom is not this one's
    if (link.dataset.before) {
      beforeImg.src = link.dataset.before;
      const after = document.createElement("img");
      after.className = "stage-image";
      after.alt = "After restoration: " + link.dataset.alt;
      after.src = link.dataset.display;
      afterPane.prepend(after);
      figure.classList.add("has-after");
      window.Compare.slider(figure);
    } else {
      beforeImg.src = link.dataset.display;
    }
    beforeImg.alt = (link.dataset.before ? "Before restoration: " : "") + link.dataset.alt;
    title.textContent = link.dataset.title || "";
    if (link.dataset.download) {
      download.href = link.dataset.download;
      download.hidden = false;
    } else {
      download.hidden = true;
    }
  }

  function open(index, from) {
    opener = from;
    box.hidden = false;
    document.body.classList.add("lightbox-open");
    show(index);
    box.querySelector(".lightbox-close").focus();
  }

  function close() {
    box.hidden = true;
    document.body.classList.remove("lightbox-open");
    opener?.focus();
  }

  links.forEach((link, index) => link.addEventListener("click", (event) => {
    if (event.metaKey || event.ctrlKey || event.shiftKey) return;
    event.preventDefault();
    open(index, link);
  }));
  box.querySelector(".lightbox-close").addEventListener("click", close);
  box.querySelector(".lightbox-prev").addEventListener("click", () => show(current - 1));
  box.querySelector(".lightbox-next").addEventListener("click", () => show(current + 1));
  box.addEventListener("click", (event) => { if (event.target === box) close(); });
  document.addEventListener("keydown", (event) => {
    if (box.hidden) return;
    if (event.key === "Escape") close();
    if (event.key === "ArrowLeft" && !event.target.matches("input[type=range]")) show(current - 1);
    if (event.key === "ArrowRight" && !event.target.matches("input[type=range]")) show(current + 1);
  });
})();
