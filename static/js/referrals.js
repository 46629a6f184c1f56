// The referral link's copy button; without JavaScript the link is a read-only
// field whose text is selected on focus (the button stays hidden).
document.querySelectorAll("[data-copy-target]").forEach((button) => {
  const field = document.getElementById(button.getAttribute("data-copy-target"));
  if (!field) return;
  button.hidden = false;
  const label = button.textContent;
  button.addEventListener("click", async () => {
    field.select();
    try {
      await navigator.clipboard.writeText(field.value);
    } catch {
      document.execCommand("copy");
    }
    button.textContent = button.getAttribute("data-copied-text") || label;
    setTimeout(() => {
      button.textContent = label;
    }, 2000);
  });
});
document.querySelectorAll("[data-select-on-focus]").forEach((field) => {
  field.addEventListener("focus", () => field.select());
});
