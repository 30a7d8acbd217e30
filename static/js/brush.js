// The repair brush, on the photo page. The damage the engine sees on the shown
// version (damage.png, white on black) is laid over it in red; the person paints
// what it missed, erases what it took wrongly, and presses Repair: the mask goes to
// the server as a PNG the size of the version's display picture, and the new version
// shows once made. Without this script the form beside the photo takes a PNG mask.
(function () {
  "use strict";

  const tool = document.getElementById("repair-tool");
  const stage = document.getElementById("tool-stage");
  const form = document.getElementById("repair-form");
  if (!tool || !stage || !form) return;

  const width = parseInt(tool.dataset.width, 10);
  const height = parseInt(tool.dataset.height, 10);
  const csrf = form.querySelector('input[name="csrfmiddlewaretoken"]').value;
  let ui = null;
  const state = { mode: "paint", size: 24, zoom: 1, cursor: { x: width / 2, y: height / 2 }, keyPainting: false };

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
    if (text) node.textContent = text;
    return node;
  }

  function setMode(mode) {
    state.mode = mode;
    ui.paint.setAttribute("aria-pressed", String(mode === "paint"));
    ui.erase.setAttribute("aria-pressed", String(mode === "erase"));
    ui.wrap.dataset.mode = mode;
  }

  function setSize(size) {
    state.size = Math.max(2, Math.min(120, Math.round(size)));
    ui.sizeRange.value = String(state.size);
    ui.sizeOut.textContent = `${state.size} px`;
  }

  function setZoom(zoom) {
    state.zoom = Math.max(1, Math.min(4, zoom));
    ui.zoomRange.value = String(state.zoom);
    ui.zoomOut.textContent = `${state.zoom.toFixed(1)}×`;
    ui.layers.style.width = `${state.zoom * 100}%`;
  }

  // A dab or a stroke from a to b, in mask pixels.
  function stroke(a, b) {
    const ctx = ui.mask.getContext("2d");
    ctx.globalCompositeOperation = state.mode === "paint" ? "source-over" : "destination-out";
    ctx.strokeStyle = ctx.fillStyle = "rgb(255, 40, 40)";
    ctx.lineWidth = state.size;
    ctx.lineCap = ctx.lineJoin = "round";
    ctx.beginPath();
    ctx.moveTo(a.x, a.y);
    ctx.lineTo(b.x + 0.01, b.y);
    ctx.stroke();
    ui.changed = true;
    ui.submit.disabled = false;
  }

  function toMask(event) {
    const rect = ui.mask.getBoundingClientRect();
    return { x: ((event.clientX - rect.left) / rect.width) * width, y: ((event.clientY - rect.top) / rect.height) * height };
  }

  function showCursor() {
    const c = state.cursor;
    ui.cursor.style.left = `${(c.x / width) * 100}%`;
    ui.cursor.style.top = `${(c.y / height) * 100}%`;
    ui.cursor.style.width = `${(state.size / width) * 100}%`;
    ui.cursor.style.aspectRatio = "1";
  }

  function startPaint(event) {
    if (event.button !== undefined && event.button > 0) return;
    event.preventDefault();
    ui.mask.setPointerCapture(event.pointerId);
    let last = toMask(event);
    stroke(last, last);
    const move = (ev) => {
      const point = toMask(ev);
      stroke(last, point);
      last = point;
      state.cursor = point;
      showCursor();
    };
    const up = () => {
      ui.mask.removeEventListener("pointermove", move);
      ui.mask.removeEventListener("pointerup", up);
      ui.mask.removeEventListener("pointercancel", up);
    };
    ui.mask.addEventListener("pointermove", move);
    ui.mask.addEventListener("pointerup", up);
    ui.mask.addEventListener("pointercancel", up);
  }

  // Keyboard: arrows move the brush (painting while Space is held), Space dabs,
  // B paints, E erases, [ and ] change the size, + and - zoom.
  function onKey(event) {
    const arrows = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    const step = Math.max(2, state.size / 2);
    if (arrows[event.key]) {
      const [dx, dy] = arrows[event.key];
      const from = { ...state.cursor };
      state.cursor = { x: Math.max(0, Math.min(width, from.x + dx * step)), y: Math.max(0, Math.min(height, from.y + dy * step)) };
      if (state.keyPainting) stroke(from, state.cursor);
      showCursor();
    } else if (event.key === " ") {
      if (!event.repeat) stroke(state.cursor, state.cursor);
      state.keyPainting = true;
    } else if (event.key === "b" || event.key === "B") setMode("paint");
    else if (event.key === "e" || event.key === "E") setMode("erase");
    else if (event.key === "[") { setSize(state.size - 4); showCursor(); }
    else if (event.key === "]") { setSize(state.size + 4); showCursor(); }
    else if (event.key === "+" || event.key === "=") setZoom(state.zoom + 0.5);
    else if (event.key === "-") setZoom(state.zoom - 0.5);
    else return;
    event.preventDefault();
    event.stopPropagation();
  }

  async function loadDamage() {
    ui.status.textContent = "Looking for damage…";
    const picture = new Image();
    picture.src = tool.dataset.damage;
    try {
      await picture.decode();
    } catch (error) {
      ui.status.textContent = "The engine's damage could not be loaded; paint what to repair.";
      return;
    }
    const ctx = ui.mask.getContext("2d");
    const scratch = el("canvas");
    scratch.width = width;
    scratch.height = height;
    const sctx = scratch.getContext("2d");
    sctx.drawImage(picture, 0, 0, width, height);
    const found = sctx.getImageData(0, 0, width, height);
    const layer = ctx.getImageData(0, 0, width, height);
    let marked = 0;
    for (let i = 0; i < found.data.length; i += 4) {
      if (found.data[i] > 127) {
        layer.data[i] = 255; layer.data[i + 1] = 40; layer.data[i + 2] = 40; layer.data[i + 3] = 255;
        marked += 1;
      }
    }
    ctx.putImageData(layer, 0, 0);
    ui.status.textContent = marked
      ? "Red: what the engine takes for damage. Paint what it missed, erase what it got wrong."
      : "The engine sees no damage left. Paint what you want repaired.";
    ui.submit.disabled = marked === 0 && !ui.changed;
  }

  function maskBlob() {
    const out = el("canvas");
    out.width = width;
    out.height = height;
    const octx = out.getContext("2d");
    const painted = ui.mask.getContext("2d").getImageData(0, 0, width, height);
    const data = octx.createImageData(width, height);
    let any = false;
    for (let i = 0; i < painted.data.length; i += 4) {
      const on = painted.data[i + 3] > 0;
      any = any || on;
      data.data[i] = data.data[i + 1] = data.data[i + 2] = on ? 255 : 0;
      data.data[i + 3] = 255;
    }
    octx.putImageData(data, 0, 0);
    return new Promise((resolve) => out.toBlob((blob) => resolve(any ? blob : null), "image/png"));
  }

  async function repair(event) {
    event.preventDefault();
    const blob = await maskBlob();
    if (!blob) {
      ui.status.textContent = "Nothing is marked: paint over what to repair first.";
      return;
    }
    ui.submit.disabled = true;
    ui.status.textContent = "Sending…";
    const data = new FormData();
    data.append("version", form.elements.version.value);
    data.append("mask", blob, "mask.png");
    try {
      const response = await fetch(form.action, {
        method: "POST", body: data, credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRFToken": csrf },
      });
      const body = await response.json().catch(() => ({}));
      if (response.ok && body.version) {
        ui.status.textContent = "Repairing… the new version appears in the list.";
        window.location.reload();
        return;
      }
      ui.status.textContent = body.error || "The repair could not be started. Try again.";
    } catch (error) {
      ui.status.textContent = "The connection was lost. Try again.";
    }
    ui.submit.disabled = false;
  }

  function build() {
    const wrap = el("div", { class: "brush", id: "brush", "data-mode": "paint" });
    const bar = el("div", { class: "editor-bar" });
    const paint = el("button", { type: "button", class: "button ghost small", id: "brush-paint", "aria-pressed": "true" }, "Paint");
    const erase = el("button", { type: "button", class: "button ghost small", id: "brush-erase", "aria-pressed": "false" }, "Erase");
    const sizeLabel = el("label", { class: "editor-range" });
    sizeLabel.append(el("span", {}, "Brush"));
    const sizeRange = el("input", { type: "range", min: "2", max: "120", step: "1", id: "brush-size", "aria-label": "Brush size" });
    const sizeOut = el("output", { for: "brush-size" });
    sizeLabel.append(sizeRange, sizeOut);
    const zoomLabel = el("label", { class: "editor-range" });
    zoomLabel.append(el("span", {}, "Zoom"));
    const zoomRange = el("input", { type: "range", min: "1", max: "4", step: "0.5", id: "brush-zoom", "aria-label": "Zoom" });
    const zoomOut = el("output", { for: "brush-zoom" });
    zoomLabel.append(zoomRange, zoomOut);
    const overlayLabel = el("label", { class: "check-option" });
    const overlay = el("input", { type: "checkbox", id: "brush-overlay", checked: "" });
    overlayLabel.append(overlay, document.createTextNode(" Show the marks"));
    const clear = el("button", { type: "button", class: "button ghost small", id: "brush-clear" }, "Clear");
    const go = el("button", { type: "button", class: "button small", id: "brush-repair" }, "Repair");
    bar.append(paint, erase, sizeLabel, zoomLabel, overlayLabel, clear, go);
    go.addEventListener("click", (event) => repair(event));

    const viewport = el("div", { class: "brush-viewport" });
    const layers = el("div", { class: "brush-layers" });
    const picture = el("img", { class: "brush-picture", src: tool.dataset.image, alt: "The version to repair", width: String(width), height: String(height) });
    const mask = el("canvas", { class: "brush-mask", id: "brush-mask", tabindex: "0", role: "application",
      "aria-label": "Repair mask. Arrows move the brush, Space paints, B paint, E erase, [ ] size, + - zoom." });
    mask.width = width;
    mask.height = height;
    const cursor = el("span", { class: "brush-cursor", "aria-hidden": "true" });
    layers.append(picture, mask, cursor);
    viewport.append(layers);
    const status = el("p", { class: "muted small", id: "brush-status", "aria-live": "polite" });
    wrap.append(bar, viewport, status);

    ui = { wrap, paint, erase, sizeRange, sizeOut, zoomRange, zoomOut, layers, mask, cursor, status, changed: false, submit: document.getElementById("repair-submit") };
    paint.addEventListener("click", () => setMode("paint"));
    erase.addEventListener("click", () => setMode("erase"));
    sizeRange.addEventListener("input", () => { setSize(parseFloat(sizeRange.value)); showCursor(); });
    zoomRange.addEventListener("input", () => setZoom(parseFloat(zoomRange.value)));
    overlay.addEventListener("change", () => mask.classList.toggle("is-hidden", !overlay.checked));
    clear.addEventListener("click", () => {
      mask.getContext("2d").clearRect(0, 0, width, height);
      ui.changed = true;
    });
    mask.addEventListener("pointerdown", startPaint);
    mask.addEventListener("keydown", onKey);
    mask.addEventListener("keyup", (event) => { if (event.key === " ") state.keyPainting = false; });
    setMode("paint");
    setSize(state.size);
    setZoom(1);
    showCursor();
    return wrap;
  }

  function open() {
    document.getElementById("edit-tool")?.removeAttribute("open");
    if (!ui) {
      stage.append(build());
      loadDamage();
    }
    for (const node of form.querySelectorAll(".nojs-only")) node.hidden = true;
    stage.hidden = false;
    ui.wrap.hidden = false;
    document.getElementById("compare")?.setAttribute("hidden", "");
  }

  function close() {
    if (ui) ui.wrap.hidden = true;
    if (!stage.querySelector(".editor:not([hidden])")) {
      stage.hidden = true;
      document.getElementById("compare")?.removeAttribute("hidden");
    }
  }

  form.addEventListener("submit", (event) => { if (ui && !ui.wrap.hidden) repair(event); });
  tool.addEventListener("toggle", () => (tool.open ? open() : close()));
  for (const node of form.querySelectorAll(".nojs-only")) node.hidden = true;
  if (tool.open) open();
})();
