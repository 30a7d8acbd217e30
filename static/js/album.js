// Album page: drag-and-drop uploads with a progress bar per file (folded into
// one line once all are in), a warning before leaving mid-upload, and a live
// view of each photo's state. The page works without this script: the form
// posts the files and the server answers with a redirect.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  const form = document.getElementById("upload-form");
  const grid = document.getElementById("photo-grid");
  const FINAL_STATES = new Set(["stored", "done", "failed", "cancelled"]);
  const PARALLEL_UPLOADS = 3;
  const POLL_MS = 2500;

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function formatSize(bytes) {
    if (bytes >= 1024 * 1024) return (bytes / (1024 * 1024)).toFixed(1).replace(/\.0$/, "") + " MB";
    return Math.max(1, Math.round(bytes / 1024)) + " KB";
  }

  // ---- Tiles -------------------------------------------------------------
  // The words come from the server (status.json's tile_label), as on the page itself.
  function renderTile(tile, entry) {
    tile.dataset.state = entry.state;
    const link = tile.querySelector("a");
    link.href = entry.url;
    link.title = entry.title || "";
    const img = link.querySelector("img");
    if (entry.thumbnail_url && img && img.getAttribute("src") !== entry.thumbnail_url) {
      img.src = entry.thumbnail_url;  // the restored picture replaces the original
    } else if (entry.thumbnail_url && !img) {
      link.querySelector(".tile-placeholder")?.remove();
      const image = el("img", {
        src: entry.thumbnail_url, alt: entry.title || "", loading: "lazy", decoding: "async",
        width: entry.thumbnail_width || 480, height: entry.thumbnail_height || 480,
      });
      link.prepend(image);
      if (tile.draggable) image.draggable = false;
    } else if (!entry.thumbnail_url && !link.querySelector(".tile-placeholder")) {
      link.prepend(el("span", { class: "tile-placeholder" }, "Preparing…"));
    }
    const placeholder = link.querySelector(".tile-placeholder");
    if (placeholder && entry.state === "failed") {
      placeholder.classList.add("failed");
      placeholder.textContent = "Unreadable file";
    }
    const status = link.querySelector(".tile-status");
    status.textContent = entry.thumbnail_url ? entry.tile_label : "";
    status.title = entry.error || "";
  }

  function countOne() {
    const counter = document.getElementById("photo-count");
    if (!counter) return;
    const count = parseInt(counter.dataset.count, 10) + 1;
    counter.dataset.count = count;
    counter.textContent = count + (count === 1 ? " photo" : " photos");
  }

  function addTile(entry) {
    countOne();
    if (!grid || grid.dataset.lastPage !== "1") return;
    if (grid.querySelector(`[data-code="${entry.code}"]`)) return;
    document.getElementById("empty-grid")?.remove();
    const tile = el("li", { class: "tile is-new", "data-code": entry.code });
    const link = el("a", { href: entry.url });
    link.append(el("span", { class: "tile-status", "aria-live": "polite" }));
    tile.append(link);
    grid.append(tile);
    renderTile(tile, entry);
    // A new photo has no caption yet and goes to the album's end: it is described by
    // its place, as the server's tiles are ("Photo 12 of Grandma's box").
    const img = link.querySelector("img");
    const count = document.getElementById("photo-count")?.dataset.count;
    if (img && count) {
      img.alt = `Photo ${count} of ${grid.dataset.albumTitle}`;
      img.dataset.byPlace = "";
    }
  }

  // Tiles without a caption are described by their place: after a reorder on this
  // page, their numbers follow the new order.
  function renumberTiles() {
    const first = parseInt(grid.dataset.firstNumber, 10);
    if (!(first > 0)) return;
    [...grid.querySelectorAll(".tile")].forEach((tile, index) => {
      const img = tile.querySelector("img[data-by-place]");
      if (img) img.alt = `Photo ${first + index} of ${grid.dataset.albumTitle}`;
    });
  }

  // ---- Live status -------------------------------------------------------
  let pollTimer = null;

  function pendingTiles() {
    return grid ? [...grid.querySelectorAll(".tile")].filter((t) => !FINAL_STATES.has(t.dataset.state)) : [];
  }

  function schedulePoll() {
    if (pollTimer || !grid || !pendingTiles().length) return;
    pollTimer = setTimeout(poll, POLL_MS);
  }

  async function poll() {
    pollTimer = null;
    if (document.hidden) { schedulePoll(); return; }
    const url = grid.dataset.statusUrl + "?page=" + (grid.dataset.page || 1);
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (response.ok) {
        const data = await response.json();
        for (const entry of data.photos) {
          const tile = grid.querySelector(`[data-code="${entry.code}"]`);
          if (tile) renderTile(tile, entry);
        }
      }
    } catch (error) {
      // The network dropped for a moment; the next poll catches up.
    }
    schedulePoll();
  }

  document.addEventListener("visibilitychange", () => { if (!document.hidden) schedulePoll(); });
  schedulePoll();

  // ---- Selecting and ordering ------------------------------------------------
  // Without this script the checkboxes and arrows post their forms and the page
  // reloads; with it, the order changes in place and is saved as a whole.
  const bulkForm = document.getElementById("bulk-form");
  const orderForm = document.getElementById("order-form");
  const orderStatus = document.getElementById("order-status");

  function updateSelection() {
    const boxes = grid ? [...grid.querySelectorAll('input[name="photos"]')] : [];
    let count = 0;
    for (const box of boxes) {
      box.closest(".tile").classList.toggle("is-selected", box.checked);
      if (box.checked) count += 1;
    }
    const label = document.getElementById("selected-count");
    if (label) label.textContent = count ? count + " selected" : "";
  }

  if (bulkForm && grid) {
    grid.addEventListener("change", (event) => {
      if (event.target.matches('input[name="photos"]')) updateSelection();
    });
    bulkForm.addEventListener("submit", (event) => {
      if (!grid.querySelector('input[name="photos"]:checked')) {
        event.preventDefault();
        document.getElementById("selected-count").textContent = "Select photos first: tick the box of each.";
      }
    });
    updateSelection();
  }

  // The whole tile is what moves. Its picture and link are not dragged on their own: a
  // thumbnail still loading could not be, so the drag would not start at all.
  function makeDraggable(tile) {
    if (!orderForm) return;
    tile.draggable = true;
    tile.querySelectorAll("a, img").forEach((node) => { node.draggable = false; });
  }

  async function saveOrder(message) {
    // The order endpoint wants every photo of the album: this page's new order is
    // put in the place of this page's photos within the album's whole order.
    const csrfToken = orderForm.querySelector('input[name="csrfmiddlewaretoken"]').value;
    const headers = { Accept: "application/json", "X-CSRFToken": csrfToken };
    try {
      const current = await fetch(orderForm.dataset.orderUrl, { headers, credentials: "same-origin" });
      if (!current.ok) throw new Error("order");
      const all = (await current.json()).photos;
      const here = [...grid.querySelectorAll(".tile")].map((tile) => tile.dataset.code);
      const mine = new Set(here);
      const start = all.findIndex((code) => mine.has(code));
      const rest = all.filter((code) => !mine.has(code));
      const order = [...rest.slice(0, start), ...here, ...rest.slice(start)];
      const body = new FormData();
      order.forEach((code) => body.append("photos", code));
      const response = await fetch(orderForm.action, { method: "POST", body, headers, credentials: "same-origin" });
      if (!response.ok) {
        const answer = await response.json().catch(() => ({}));
        throw new Error(answer.error || "The new order could not be saved. Reload the page.");
      }
      renumberTiles();
      if (orderStatus) orderStatus.textContent = message;
    } catch (error) {
      if (orderStatus) orderStatus.textContent = "";
      window.alert(error.message && error.message !== "order" ? error.message : "The new order could not be saved. Reload the page and try again.");
    }
  }

  if (orderForm && grid) {
    grid.addEventListener("click", (event) => {
      const button = event.target.closest(".tile-move");
      if (!button) return;
      const tile = button.closest(".tile");
      const later = button.name === "later";
      const other = later ? tile.nextElementSibling : tile.previousElementSibling;
      if (!other) return;  // off this page: the form posts and the server moves it
      event.preventDefault();
      if (later) other.after(tile); else other.before(tile);
      button.focus();
      saveOrder(later ? "Moved later." : "Moved earlier.");
    });

    let dragged = null;
    for (const tile of grid.querySelectorAll(".tile")) makeDraggable(tile);
    grid.addEventListener("dragstart", (event) => {
      dragged = event.target.closest(".tile");
      if (!dragged) return;
      dragged.classList.add("is-dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", dragged.dataset.code);
    });
    function clearMarks() {
      grid.querySelectorAll(".drop-before, .drop-after").forEach((t) => t.classList.remove("drop-before", "drop-after"));
    }
    function after(tile, event) {
      const box = tile.getBoundingClientRect();
      return event.clientX > box.left + box.width / 2;
    }
    grid.addEventListener("dragover", (event) => {
      const tile = event.target.closest(".tile");
      if (!dragged || !tile || tile === dragged) return;
      event.preventDefault();
      event.stopPropagation();  // not a file dropped beside the upload zone
      clearMarks();
      tile.classList.add(after(tile, event) ? "drop-after" : "drop-before");
    });
    grid.addEventListener("drop", (event) => {
      const tile = event.target.closest(".tile");
      if (!dragged || !tile) return;
      event.preventDefault();
      event.stopPropagation();
      clearMarks();
      if (tile !== dragged) {
        if (after(tile, event)) tile.after(dragged); else tile.before(dragged);
        saveOrder("The new order was saved.");
      }
    });
    grid.addEventListener("dragend", () => {
      clearMarks();
      if (dragged) dragged.classList.remove("is-dragging");
      dragged = null;
    });
  }

  // ---- Uploads -----------------------------------------------------------
  if (!form) return;
  const input = form.querySelector('input[type="file"]');
  const dropzone = document.getElementById("dropzone");
  const list = document.getElementById("upload-list");
  const maxSize = parseInt(form.dataset.maxSize, 10);
  const csrf = form.querySelector('input[name="csrfmiddlewaretoken"]').value;
  const queue = [];
  let running = 0;

  function addRow(file) {
    const row = el("li", { class: "upload-item" });
    row.append(el("span", { class: "name", title: file.name }, file.name));
    row.append(el("span", { class: "state" }, "Waiting…"));
    const bar = el("progress", { max: "100", value: "0", "aria-label": "Upload of " + file.name });
    row.append(bar);
    list.prepend(row);
    return row;
  }

  function finishRow(row, ok, text) {
    row.dataset.photos = ok ? "1" : "0";
    row.classList.add(ok ? "done" : "failed");
    row.querySelector("progress")?.remove();
    row.querySelector(".state").textContent = ok ? "Uploaded" : "Not uploaded";
    if (!ok) row.append(el("p", { class: "message-text" }, text));
  }

  function send(item) {
    running += 1;
    const { file, row } = item;
    const bar = row.querySelector("progress");
    const state = row.querySelector(".state");
    const data = new FormData();
    data.append("photos", file, file.name);
    if (item.split) data.append("split", "1");
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("X-CSRFToken", csrf);
    xhr.upload.addEventListener("progress", (event) => {
      if (!event.lengthComputable) return;
      const pct = Math.round((event.loaded / event.total) * 100);
      bar.value = pct;
      state.textContent = pct < 100 ? pct + "%" : "Checking…";
    });
    xhr.addEventListener("load", () => {
      let body = null;
      try { body = JSON.parse(xhr.responseText); } catch (error) { body = null; }
      const entry = body && body.photos && body.photos[0];
      if (xhr.status === 200 && entry && entry.code) {
        const made = body.photos.filter((photo) => photo.code);
        finishRow(row, true);
        row.dataset.photos = String(made.length);
        if (item.split) {
          row.querySelector(".state").textContent = made.length === 1 ? "Uploaded: 1 photo" : `Uploaded: ${made.length} photos`;
        }
        if (entry.notice) row.append(el("p", { class: "message-text" }, entry.notice));
        made.forEach(addTile);
        schedulePoll();
      } else if (entry && entry.error) {
        finishRow(row, false, entry.error);
      } else if (xhr.status === 413) {
        finishRow(row, false, file.name + " is larger than the server accepts.");
      } else if (xhr.status === 403 || xhr.status === 404) {
        finishRow(row, false, "Your session has expired. Reload the page and log in again.");
      } else {
        finishRow(row, false, (body && body.error) || "The server could not store " + file.name + ". Try again.");
      }
      done();
    });
    xhr.addEventListener("error", () => {
      finishRow(row, false, "The connection was lost while sending " + file.name + ". Try again.");
      done();
    });
    state.textContent = "0%";
    xhr.send(data);
  }

  function done() {
    running -= 1;
    pump();
    if (!running && !queue.length) fold();
  }

  // ---- Finished uploads fold into one line -------------------------------
  // Failed files stay in sight, with their reason; the rest are one line
  // ("12 photos uploaded") that opens into the list.
  const summary = el("li", { class: "upload-summary", hidden: "" });
  const summaryText = el("span", { class: "upload-summary-text" });
  const toggle = el("button", { type: "button", class: "linklike accent", "aria-expanded": "false", "aria-controls": "upload-list" }, "Show the list");
  summary.append(summaryText, toggle);
  list.append(summary);

  function doneRows() {
    return [...list.querySelectorAll(".upload-item.done")];
  }

  function setFolded(folded) {
    toggle.setAttribute("aria-expanded", String(!folded));
    toggle.textContent = folded ? "Show the list" : "Hide the list";
    doneRows().forEach((row) => { row.hidden = folded; });
  }

  function fold() {
    const rows = doneRows();
    if (!rows.length) return;
    const photos = rows.reduce((sum, row) => sum + parseInt(row.dataset.photos || "1", 10), 0);
    summaryText.textContent = photos === 1 ? "1 photo uploaded" : `${photos} photos uploaded`;
    summary.hidden = false;
    list.prepend(summary);
    setFolded(true);
  }

  toggle.addEventListener("click", () => setFolded(toggle.getAttribute("aria-expanded") === "true"));

  // Leaving the page mid-upload loses the files still on their way.
  window.addEventListener("beforeunload", (event) => {
    if (!running && !queue.length) return;
    event.preventDefault();
    event.returnValue = "";
  });

  function pump() {
    while (running < PARALLEL_UPLOADS && queue.length) send(queue.shift());
  }

  const splitBox = document.getElementById("id_split");

  function enqueue(files) {
    const split = Boolean(splitBox && splitBox.checked);
    for (const file of files) {
      const row = addRow(file);
      if (file.size > maxSize) {
        finishRow(row, false, `${file.name} is ${formatSize(file.size)}; the limit is ${formatSize(maxSize)} a file.`);
        continue;
      }
      if (file.size === 0) {
        finishRow(row, false, file.name + " is empty.");
        continue;
      }
      queue.push({ file, row, split });
    }
    pump();
  }

  input.addEventListener("change", () => {
    enqueue([...input.files]);
    input.value = "";
  });
  ["dragenter", "dragover"].forEach((type) => dropzone.addEventListener(type, (event) => {
    event.preventDefault();
    dropzone.classList.add("dragging");
  }));
  ["dragleave", "dragend"].forEach((type) => dropzone.addEventListener(type, () => dropzone.classList.remove("dragging")));
  dropzone.addEventListener("drop", (event) => {
    event.preventDefault();
    dropzone.classList.remove("dragging");
    if (event.dataTransfer && event.dataTransfer.files.length) enqueue([...event.dataTransfer.files]);
  });
  // A file dropped beside the zone must not navigate away from the page.
  window.addEventListener("dragover", (event) => event.preventDefault());
  window.addEventListener("drop", (event) => event.preventDefault());
})();
