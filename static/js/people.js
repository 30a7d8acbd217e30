// Photo page: suggest names already used for each name of the comma-separated
// People field, not only the first. Without this script the field is plain text
// and the browser suggests known names for the first one only.
(function () {
  "use strict";
  const input = document.getElementById("id_people");
  const list = document.getElementById("people-names");
  if (!input || !list) return;
  const names = [...list.options].map((option) => option.value);

  function suggest() {
    const parts = input.value.split(",");
    const typing = parts.pop().trim().toLowerCase();
    const before = parts.map((part) => part.trim()).filter(Boolean);
    const taken = new Set(before.map((name) => name.toLowerCase()));
    const prefix = before.length ? before.join(", ") + ", " : "";
    list.replaceChildren(...names
      .filter((name) => !taken.has(name.toLowerCase()) && name.toLowerCase().includes(typing))
      .slice(0, 50)
      .map((name) => {
        const option = document.createElement("option");
        option.value = prefix + name;
        return option;
      }));
  }

  input.addEventListener("input", suggest);
  input.addEventListener("focus", suggest);
})();
