// Text limits as you type: every text field with a maxlength gets "37 / 200"
// beneath it, read out politely by screen readers. The server checks the
// limit anyway; this only says where it is before it is reached. Search boxes
// get none: a query is never near its limit.
(function () {
  "use strict";
  const fields = document.querySelectorAll(
    "textarea[maxlength], input[maxlength]:not([type=password]):not([type=hidden]):not([type=search]):not([readonly])"
  );
  fields.forEach((field, index) => {
    const limit = parseInt(field.getAttribute("maxlength"), 10);
    if (!(limit > 0)) return;
    const counter = document.createElement("p");
    counter.className = "char-count";
    counter.id = (field.id || "field-" + index) + "-count";
    counter.setAttribute("aria-live", "polite");
    const update = () => {
      const used = field.value.length;
      counter.textContent = `${used} / ${limit}`;
      counter.classList.toggle("near-limit", used >= limit * 0.9);
    };
    // Inside a row of field and button, the counter goes under the row.
    const anchor = field.closest(".inline-field") || field;
    anchor.after(counter);
    const described = field.getAttribute("aria-describedby");
    field.setAttribute("aria-describedby", described ? described + " " + counter.id : counter.id);
    field.addEventListener("input", update);
    update();
  });
})();
