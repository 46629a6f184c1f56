// The customer list: "select all on this page" for the bulk-action form.
// Without JavaScript each row's checkbox still works on its own.
(() => {
  const rowBoxes = (formId) =>
    document.querySelectorAll(`input[type="checkbox"][name="selected"][form="${formId}"]`);

  const syncHeader = (header) => {
    const boxes = [...rowBoxes(header.dataset.selectAll)];
    const ticked = boxes.filter((box) => box.checked).length;
    header.checked = boxes.length > 0 && ticked === boxes.length;
    header.indeterminate = ticked > 0 && ticked < boxes.length;
  };

  document.addEventListener("change", (event) => {
    const target = event.target;
    if (target.matches("input[data-select-all]")) {
      rowBoxes(target.dataset.selectAll).forEach((box) => {
        box.checked = target.checked;
      });
    } else if (target.matches('input[type="checkbox"][name="selected"][form]')) {
      document
        .querySelectorAll(`input[data-select-all="${target.getAttribute("form")}"]`)
        .forEach(syncHeader);
    }
  });

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("input[data-select-all]").forEach(syncHeader);
  });
})();
