// Crop, rotate and straighten, on the photo page. Without this script the form
// beside the photo takes the numbers (rotate, straighten, crop as fractions); with
// it the person turns and crops the picture itself, with the mouse, a finger or the
// keyboard, and the script fills in the same form. The picture drawn is the photo's
// display size; the server makes the edit from the stored original.
(function () {
  "use strict";

  const tool = document.getElementById("edit-tool");
  const stage = document.getElementById("tool-stage");
  const form = document.getElementById("edit-form");
  if (!tool || !stage || !form) return;

  const fields = {
    rotate: form.elements.rotate,
    straighten: form.elements.straighten,
    crop: form.elements.crop,
  };
  const RATIOS = [["free", "Free"], ["original", "Original"], ["1", "Square"], ["1.5", "3:2"],
    ["0.6667", "2:3"], ["1.3333", "4:3"], ["0.75", "3:4"]];
  const MIN = 0.05;  // the crop keeps at least 5 % of each side

  let image = null;
  let editor = null;
  const state = { rotate: 0, straighten: 0, crop: { x: 0, y: 0, w: 1, h: 1 }, ratio: "free" };

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
    if (text) node.textContent = text;
    return node;
  }

  // The turned picture's proportions (width / height), in the photo's own pixels.
  function turnedSize() {
    const w = parseInt(tool.dataset.width, 10), h = parseInt(tool.dataset.height, 10);
    return state.rotate % 180 ? { w: h, h: w } : { w, h };
  }

  // The largest centred crop without empty corners, as the server makes it.
  function inscribed() {
    const { w, h } = turnedSize();
    const t = Math.abs(state.straighten) * Math.PI / 180;
    const f = Math.min(w / (w * Math.cos(t) + h * Math.sin(t)), h / (w * Math.sin(t) + h * Math.cos(t)));
    return { x: (1 - f) / 2, y: (1 - f) / 2, w: f, h: f };
  }

  function ratioValue() {
    if (state.ratio === "free") return null;
    if (state.ratio === "original") {
      const w = parseInt(tool.dataset.width, 10), h = parseInt(tool.dataset.height, 10);
      return state.rotate % 180 ? h / w : w / h;
    }
    return parseFloat(state.ratio);
  }

  // Keep the crop inside the picture, at least MIN across, and in the chosen ratio
  // (a ratio in pixels: fractions of a turned picture of size W x H).
  function clampCrop(crop, anchor) {
    let { x, y, w, h } = crop;
    const ratio = ratioValue();
    const size = turnedSize();
    w = Math.min(Math.max(w, MIN), 1);
    h = Math.min(Math.max(h, MIN), 1);
    if (ratio) {
      // h (fraction) = w * W / (ratio * H)
      h = (w * size.w) / (ratio * size.h);
      if (h > 1) { h = 1; w = (ratio * size.h) / size.w; }
      if (anchor === "nw") { x = crop.x + crop.w - w; y = crop.y + crop.h - h; }
      else if (anchor === "ne") { y = crop.y + crop.h - h; }
      else if (anchor === "sw") { x = crop.x + crop.w - w; }
    }
    x = Math.min(Math.max(x, 0), 1 - w);
    y = Math.min(Math.max(y, 0), 1 - h);
    return { x, y, w, h };
  }

  // A field written here says so as typing would, so what listens to it (the text
  // limit beneath it) follows.
  function put(field, value) {
    if (field.value === value) return;
    field.value = value;
    field.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function sync() {
    put(fields.rotate, String(state.rotate));
    put(fields.straighten, state.straighten.toFixed(1));
    const c = state.crop;
    const whole = c.x <= 0 && c.y <= 0 && c.w >= 1 && c.h >= 1;
    put(fields.crop, whole ? "" : [c.x, c.y, c.w, c.h].map((v) => v.toFixed(5)).join(","));
    if (editor) {
      editor.angleOut.textContent = `${state.straighten.toFixed(1)}°`;
      editor.range.value = String(state.straighten);
      draw();
    }
  }

  function draw() {
    const { canvas, box } = editor;
    const size = turnedSize();
    // the room the page gives, not the room the last drawing took
    canvas.style.width = editor.frame.style.width = "0px";
    const room = editor.wrap.clientWidth || 600;
    const maxH = Math.max(240, window.innerHeight * 0.62);
    const scale = Math.min(room / size.w, maxH / size.h);
    const cw = Math.max(1, Math.round(size.w * scale)), ch = Math.max(1, Math.round(size.h * scale));
    const ratio = window.devicePixelRatio || 1;
    canvas.width = Math.round(cw * ratio);
    canvas.height = Math.round(ch * ratio);
    canvas.style.width = cw + "px";
    canvas.style.height = ch + "px";
    editor.frame.style.width = cw + "px";
    editor.frame.style.height = ch + "px";
    const ctx = canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.fillStyle = "#1d1b19";
    ctx.fillRect(0, 0, cw, ch);
    ctx.save();
    ctx.translate(cw / 2, ch / 2);
    ctx.rotate(((state.rotate + state.straighten) * Math.PI) / 180);
    const pw = parseInt(tool.dataset.width, 10) * scale, ph = parseInt(tool.dataset.height, 10) * scale;
    if (image && image.complete) ctx.drawImage(image, -pw / 2, -ph / 2, pw, ph);
    ctx.restore();
    // a grid to line the horizon up with
    ctx.strokeStyle = "rgba(255,255,255,0.35)";
    ctx.lineWidth = 1;
    const step = Math.max(24, Math.min(cw, ch) / 8);
    ctx.beginPath();
    for (let x = step; x < cw; x += step) { ctx.moveTo(Math.round(x) + 0.5, 0); ctx.lineTo(Math.round(x) + 0.5, ch); }
    for (let y = step; y < ch; y += step) { ctx.moveTo(0, Math.round(y) + 0.5); ctx.lineTo(cw, Math.round(y) + 0.5); }
    ctx.stroke();
    const c = state.crop;
    // what the crop leaves out, dimmed
    ctx.fillStyle = "rgba(20, 18, 16, 0.6)";
    const [x0, y0, x1, y1] = [c.x * cw, c.y * ch, (c.x + c.w) * cw, (c.y + c.h) * ch];
    ctx.fillRect(0, 0, cw, y0);
    ctx.fillRect(0, y1, cw, ch - y1);
    ctx.fillRect(0, y0, x0, y1 - y0);
    ctx.fillRect(x1, y0, cw - x1, y1 - y0);
    box.style.left = c.x * cw + "px";
    box.style.top = c.y * ch + "px";
    box.style.width = c.w * cw + "px";
    box.style.height = c.h * ch + "px";
    box.setAttribute("aria-valuetext",
      `Crop from ${Math.round(c.x * 100)}% across and ${Math.round(c.y * 100)}% down, ` +
      `${Math.round(c.w * 100)}% wide and ${Math.round(c.h * 100)}% high`);
  }

  function setStraighten(value) {
    state.straighten = Math.max(-45, Math.min(45, Math.round(value * 10) / 10));
    state.crop = clampCrop(inscribed());
    sync();
  }

  function turn(by) {
    state.rotate = (state.rotate + by + 360) % 360;
    state.crop = clampCrop(inscribed());
    sync();
  }

  // Dragging the crop (pointer events: mouse, pen and touch alike).
  function startDrag(event) {
    const handle = event.target.dataset.handle || "move";
    event.preventDefault();
    editor.box.focus({ preventScroll: true });
    const rect = editor.frame.getBoundingClientRect();
    const start = { x: event.clientX, y: event.clientY, crop: { ...state.crop } };
    event.target.setPointerCapture(event.pointerId);
    const move = (ev) => {
      const dx = (ev.clientX - start.x) / rect.width, dy = (ev.clientY - start.y) / rect.height;
      const c = { ...start.crop };
      if (handle === "move") { c.x += dx; c.y += dy; state.crop = clampCrop(c); }
      else {
        if (handle.includes("w")) { const right = c.x + c.w; c.x = Math.min(c.x + dx, right - MIN); c.w = right - Math.max(0, c.x); c.x = Math.max(0, c.x); }
        if (handle.includes("e")) c.w = Math.min(c.w + dx, 1 - c.x);
        if (handle.includes("n")) { const bottom = c.y + c.h; c.y = Math.min(c.y + dy, bottom - MIN); c.h = bottom - Math.max(0, c.y); c.y = Math.max(0, c.y); }
        if (handle.includes("s")) c.h = Math.min(c.h + dy, 1 - c.y);
        state.crop = clampCrop(c, handle);
      }
      sync();
    };
    const up = () => {
      event.target.removeEventListener("pointermove", move);
      event.target.removeEventListener("pointerup", up);
      event.target.removeEventListener("pointercancel", up);
    };
    event.target.addEventListener("pointermove", move);
    event.target.addEventListener("pointerup", up);
    event.target.addEventListener("pointercancel", up);
  }

  // Keyboard: arrows move the crop, Shift+arrows resize it, [ and ] straighten,
  // R turns a quarter clockwise (Shift+R anticlockwise).
  function onKey(event) {
    const step = event.altKey ? 0.002 : 0.01;
    const c = { ...state.crop };
    const arrows = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    if (arrows[event.key]) {
      const [dx, dy] = arrows[event.key];
      if (event.shiftKey) { c.w += dx * step; c.h += dy * step; }
      else { c.x += dx * step; c.y += dy * step; }
      state.crop = clampCrop(c);
      sync();
    } else if (event.key === "[" || event.key === "]") {
      setStraighten(state.straighten + (event.key === "]" ? 0.1 : -0.1));
    } else if (event.key === "r" || event.key === "R") {
      turn(event.shiftKey ? -90 : 90);
    } else return;
    event.preventDefault();
    event.stopPropagation();
  }

  function build() {
    const wrap = el("div", { class: "editor", id: "editor" });
    const bar = el("div", { class: "editor-bar" });
    const left = el("button", { type: "button", class: "button ghost small", id: "rotate-left", "aria-label": "Rotate a quarter turn anticlockwise" }, "⟲ 90°");
    const right = el("button", { type: "button", class: "button ghost small", id: "rotate-right", "aria-label": "Rotate a quarter turn clockwise" }, "⟳ 90°");
    const rangeLabel = el("label", { class: "editor-range" });
    rangeLabel.append(el("span", {}, "Straighten"));
    const range = el("input", { type: "range", min: "-45", max: "45", step: "0.1", value: "0", id: "straighten-range", "aria-label": "Straighten, in degrees" });
    const angleOut = el("output", { for: "straighten-range" }, "0.0°");
    rangeLabel.append(range, angleOut);
    const fine = el("span", { class: "editor-fine" });
    const less = el("button", { type: "button", class: "button ghost small", id: "straighten-less", "aria-label": "Straighten 0.1° anticlockwise" }, "−0.1°");
    const more = el("button", { type: "button", class: "button ghost small", id: "straighten-more", "aria-label": "Straighten 0.1° clockwise" }, "+0.1°");
    fine.append(less, more);
    const ratioLabel = el("label", { class: "editor-ratio" });
    ratioLabel.append(el("span", {}, "Crop"));
    const ratio = el("select", { id: "crop-ratio", "aria-label": "Crop proportions" });
    for (const [value, label] of RATIOS) ratio.append(el("option", { value }, label));
    ratioLabel.append(ratio);
    const reset = el("button", { type: "button", class: "button ghost small", id: "edit-reset" }, "Reset");
    bar.append(left, right, rangeLabel, fine, ratioLabel, reset);

    const frame = el("div", { class: "editor-frame" });
    const canvas = el("canvas", { class: "editor-canvas", "aria-hidden": "true" });
    const box = el("div", { class: "crop-box", id: "crop-box", tabindex: "0", role: "slider",
      "aria-label": "Crop. Arrows move it, Shift and arrows resize it, [ and ] straighten, R rotates." });
    for (const h of ["nw", "ne", "sw", "se"]) box.append(el("span", { class: `crop-handle ${h}`, "data-handle": h }));
    frame.append(canvas, box);
    wrap.append(bar, frame, el("p", { class: "muted small editor-help" },
      "Drag the frame or its corners. Keyboard: arrows move it, Shift+arrows resize, [ ] straighten, R rotates."));

    left.addEventListener("click", () => turn(-90));
    right.addEventListener("click", () => turn(90));
    range.addEventListener("input", () => setStraighten(parseFloat(range.value)));
    less.addEventListener("click", () => setStraighten(state.straighten - 0.1));
    more.addEventListener("click", () => setStraighten(state.straighten + 0.1));
    ratio.addEventListener("change", () => { state.ratio = ratio.value; state.crop = clampCrop(state.crop); sync(); });
    reset.addEventListener("click", () => {
      state.rotate = 0; state.straighten = 0; state.ratio = "free"; ratio.value = "free";
      state.crop = { x: 0, y: 0, w: 1, h: 1 };
      sync();
    });
    box.addEventListener("pointerdown", startDrag);
    box.addEventListener("keydown", onKey);
    editor = { wrap, canvas, box, frame, range, angleOut };
    return wrap;
  }

  function open() {
    document.getElementById("repair-tool")?.removeAttribute("open");
    if (!editor) stage.append(build());
    stage.hidden = false;
    editor.wrap.hidden = false;
    document.getElementById("compare")?.setAttribute("hidden", "");
    if (!image) {
      image = new Image();
      image.addEventListener("load", () => { if (editor) draw(); });
      image.src = tool.dataset.image;
    }
    sync();
  }

  function close() {
    if (editor) editor.wrap.hidden = true;
    if (!stage.querySelector(".brush:not([hidden])")) {
      stage.hidden = true;
      document.getElementById("compare")?.removeAttribute("hidden");
    }
  }

  // The typed fields follow the editor: edits made there are shown as numbers.
  for (const name of ["rotate", "straighten"]) {
    fields[name].addEventListener("change", () => {
      const rotate = parseInt(fields.rotate.value, 10) || 0;
      const straighten = parseFloat(fields.straighten.value) || 0;
      state.rotate = rotate;
      setStraighten(straighten);
    });
  }

  tool.addEventListener("toggle", () => (tool.open ? open() : close()));
  window.addEventListener("resize", () => { if (editor && !editor.wrap.hidden) draw(); });
  if (tool.open) open();
})();
