// The before/after comparison, shared by the photo page, the shared photo page and
// the shared album's lightbox. Without this script the two pictures stand side by
// side. With it they are laid one over the other in a frame the size of the picture:
// a range input over the frame moves the split (the restored picture is clipped from
// the left edge to the split), and the frame zooms (wheel, pinch, + / - / 0, the
// buttons) up to one pixel of the picture per pixel of the screen, pans (drag, arrow
// keys while zoomed) and goes full screen. One transform moves both pictures, so
// they stay aligned at every zoom.
(function () {
  "use strict";

  const STEP = 1.25;          // one press of + or -
  const PAN_STEP = 0.1;       // an arrow key moves a tenth of the frame
  const figures = new Set();  // set up on this page

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function isTyping(target) {
    return Boolean(target.closest && target.closest("input:not([type=range]), textarea, select, [contenteditable]"));
  }

  function setup(figure) {
    const view = el("div", { class: "compare-view" });
    figure.querySelectorAll(":scope > .compare-pane").forEach((pane) => view.append(pane));
    const range = el("input", {
      type: "range", min: "0", max: "100", class: "compare-range",
      "aria-label": "Move to compare before (left) and after (right)",
    });
    const handle = el("span", { class: "compare-handle", "aria-hidden": "true" });
    view.append(range, handle);

    const tools = el("div", { class: "compare-tools", role: "toolbar", "aria-label": "Zoom and full screen" });
    const zoomOut = el("button", { type: "button", class: "zoom-out", "aria-label": "Zoom out", title: "Zoom out (-)" }, "−");
    const level = el("output", { class: "zoom-level", "aria-live": "polite", title: "Zoom" }, "100%");
    const zoomIn = el("button", { type: "button", class: "zoom-in", "aria-label": "Zoom in", title: "Zoom in (+)" }, "+");
    const fit = el("button", { type: "button", class: "zoom-fit", title: "Whole picture (0)" }, "Whole picture");
    tools.append(zoomOut, level, zoomIn, fit);
    let full = null;
    if (document.fullscreenEnabled && figure.requestFullscreen) {
      full = el("button", { type: "button", class: "compare-fullscreen", "aria-pressed": "false" }, "Full screen");
      tools.append(full);
    }
    figure.prepend(view);
    view.after(tools);

    const state = { scale: 1, x: 0, y: 0 };
    let frameRequest = 0;

    function images() {
      return [...view.querySelectorAll(".stage-image")];
    }

    // At most one pixel of the picture per pixel of the screen.
    function maxScale() {
      const width = view.clientWidth;
      if (!width) return 1;
      const natural = Math.max(0, ...images().map((img) => img.naturalWidth || 0));
      return Math.max(1, natural / width);
    }

    function measure() {
      const img = view.querySelector(".before .stage-image");
      if (!img) return;
      const w = img.naturalWidth || parseInt(img.getAttribute("width"), 10);
      const h = img.naturalHeight || parseInt(img.getAttribute("height"), 10);
      if (w > 0 && h > 0) figure.style.setProperty("--ratio", String(w / h));
      clamp();
      render();
    }

    function clamp() {
      state.scale = Math.min(Math.max(state.scale, 1), maxScale());
      const w = view.clientWidth;
      const h = view.clientHeight;
      state.x = Math.min(0, Math.max(w - w * state.scale, state.x));
      state.y = Math.min(0, Math.max(h - h * state.scale, state.y));
    }

    function render() {
      cancelAnimationFrame(frameRequest);
      frameRequest = requestAnimationFrame(() => {
        const transform = `translate(${state.x}px, ${state.y}px) scale(${state.scale})`;
        images().forEach((img) => { img.style.transform = transform; });
      });
      const zoomed = state.scale > 1.0001;
      figure.classList.toggle("zoomed", zoomed);
      figure.dataset.zoom = state.scale.toFixed(4);
      figure.dataset.maxZoom = maxScale().toFixed(4);
      level.textContent = Math.round(state.scale * 100) + "%";
      zoomOut.disabled = !zoomed;
      zoomIn.disabled = state.scale >= maxScale() - 0.0001;
      fit.disabled = !zoomed;
    }

    // Zoom to `scale`, keeping the point (px, py) of the frame where it is.
    function zoomTo(scale, px, py) {
      const w = view.clientWidth;
      const h = view.clientHeight;
      if (px === undefined) { px = w / 2; py = h / 2; }
      const next = Math.min(Math.max(scale, 1), maxScale());
      state.x = px - (px - state.x) * (next / state.scale);
      state.y = py - (py - state.y) * (next / state.scale);
      state.scale = next;
      clamp();
      render();
    }

    function panBy(dx, dy) {
      state.x += dx;
      state.y += dy;
      clamp();
      render();
    }

    function reset() {
      state.scale = 1; state.x = 0; state.y = 0;
      range.value = "50";
      figure.style.setProperty("--split", "50%");
      measure();
    }

    range.addEventListener("input", () => figure.style.setProperty("--split", range.value + "%"));
    zoomIn.addEventListener("click", () => zoomTo(state.scale * STEP));
    zoomOut.addEventListener("click", () => zoomTo(state.scale / STEP));
    fit.addEventListener("click", () => zoomTo(1));

    view.addEventListener("wheel", (event) => {
      if (event.ctrlKey && !event.deltaY) return;
      event.preventDefault();
      const box = view.getBoundingClientRect();
      const factor = Math.exp(-event.deltaY * (event.deltaMode === 1 ? 0.05 : 0.0015));
      zoomTo(state.scale * factor, event.clientX - box.left, event.clientY - box.top);
    }, { passive: false });

    // Drag: pans when zoomed (on the handle: moves the split); two fingers pinch.
    const pointers = new Map();
    let pinch = null;
    let drag = null;

    function splitAt(clientX) {
      const box = view.getBoundingClientRect();
      const pct = Math.min(100, Math.max(0, ((clientX - box.left) / box.width) * 100));
      range.value = String(Math.round(pct));
      figure.style.setProperty("--split", pct + "%");
    }

    view.addEventListener("pointerdown", (event) => {
      pointers.set(event.pointerId, { x: event.clientX, y: event.clientY });
      if (pointers.size === 2) {
        const [a, b] = [...pointers.values()];
        const box = view.getBoundingClientRect();
        pinch = {
          distance: Math.hypot(a.x - b.x, a.y - b.y) || 1,
          scale: state.scale,
          cx: (a.x + b.x) / 2 - box.left,
          cy: (a.y + b.y) / 2 - box.top,
        };
        drag = null;
        view.setPointerCapture(event.pointerId);
        event.preventDefault();
        return;
      }
      if (event.target === handle) {
        drag = { mode: "split" };
      } else if (state.scale > 1.0001 && event.target !== range) {
        drag = { mode: "pan", x: event.clientX, y: event.clientY };
      } else {
        return;
      }
      view.setPointerCapture(event.pointerId);
      event.preventDefault();
    });
    view.addEventListener("pointermove", (event) => {
      if (!pointers.has(event.pointerId)) return;
      pointers.set(event.pointerId, { x: event.clientX, y: event.clientY });
      if (pinch && pointers.size === 2) {
        const [a, b] = [...pointers.values()];
        const distance = Math.hypot(a.x - b.x, a.y - b.y) || 1;
        zoomTo(pinch.scale * (distance / pinch.distance), pinch.cx, pinch.cy);
      } else if (drag && drag.mode === "pan") {
        panBy(event.clientX - drag.x, event.clientY - drag.y);
        drag.x = event.clientX;
        drag.y = event.clientY;
      } else if (drag && drag.mode === "split") {
        splitAt(event.clientX);
      }
    });
    const release = (event) => {
      pointers.delete(event.pointerId);
      if (pointers.size < 2) pinch = null;
      if (!pointers.size) drag = null;
    };
    view.addEventListener("pointerup", release);
    view.addEventListener("pointercancel", release);

    if (full) {
      full.addEventListener("click", () => {
        if (document.fullscreenElement === figure) document.exitFullscreen();
        else figure.requestFullscreen().catch(() => {});
      });
      document.addEventListener("fullscreenchange", () => {
        const on = document.fullscreenElement === figure;
        full.textContent = on ? "Leave full screen" : "Full screen";
        full.setAttribute("aria-pressed", String(on));
        requestAnimationFrame(() => { clamp(); render(); });
      });
    }

    // Pictures arriving later (the lightbox's next photo) set the frame's proportions.
    figure.addEventListener("load", measure, true);
    window.addEventListener("resize", () => { clamp(); render(); });

    const api = {
      figure,
      reset,
      key(event) {
        const key = event.key;
        // Browsers leave full screen on Escape themselves; where one hands the key to
        // the page instead (headless, some kiosks), it still leaves, and goes no further
        // (the lightbox stays open).
        if (key === "Escape" && document.fullscreenElement === figure) document.exitFullscreen();
        else if (key === "+" || key === "=") zoomTo(state.scale * STEP);
        else if (key === "-" || key === "_") zoomTo(state.scale / STEP);
        else if (key === "0") zoomTo(1);
        else if (key.startsWith("Arrow") && state.scale > 1.0001 && event.target !== range) {
          const w = view.clientWidth * PAN_STEP;
          const h = view.clientHeight * PAN_STEP;
          const moves = { ArrowLeft: [w, 0], ArrowRight: [-w, 0], ArrowUp: [0, h], ArrowDown: [0, -h] };
          panBy(...moves[key]);
        } else {
          return false;
        }
        return true;
      },
    };
    figure.compare = api;
    figures.add(api);
    return api;
  }

  // Keys work anywhere on the page but in text fields, for the comparison in sight.
  // Captured before the page's own arrow keys (previous / next photo), which then
  // apply only while the picture is not zoomed.
  window.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (isTyping(event.target) && event.key !== "Escape") return;
    for (const api of figures) {
      if (!api.figure.getClientRects().length) continue;  // hidden (a closed lightbox)
      if (api.key(event)) {
        event.preventDefault();
        event.stopPropagation();
      }
      return;
    }
  }, true);

  window.Compare = {
    slider(figure) {
      figure.classList.add("slider");
      const api = figure.compare || setup(figure);
      api.reset();
      return api;
    },
  };
})();
