// The before/after slider, shared by the photo page and the shared album's lightbox.
// A range input laid over the figure moves the split; the restored picture is
// clipped from the left edge to the split (see .compare.slider in site.css).
window.Compare = {
  slider(figure) {
    figure.classList.add("slider");
    let range = figure.querySelector(".compare-range");
    if (!range) {
      range = document.createElement("input");
      range.type = "range";
      range.min = "0";
      range.max = "100";
      range.className = "compare-range";
      range.setAttribute("aria-label", "Move to compare the original (left) and the restored photo (right)");
      const handle = document.createElement("span");
      handle.className = "compare-handle";
      handle.setAttribute("aria-hidden", "true");
      figure.append(range, handle);
      range.addEventListener("input", () => figure.style.setProperty("--split", range.value + "%"));
    }
    range.value = "50";
    figure.style.setProperty("--split", "50%");
  },
};
