// "Copy" buttons: copy the field their data-copy selector names.
document.querySelectorAll("[data-copy]").forEach((button) => button.addEventListener("click", async () => {
  const field = document.querySelector(button.dataset.copy);
  field.select();
  try { await navigator.clipboard.writeText(field.value); button.textContent = "Copied"; }
  catch (error) { document.execCommand("copy"); button.textContent = "Copied"; }
}));
