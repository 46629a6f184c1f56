// A tiny toolbar for rich-text notes: wraps the selected text in simple tags.
// The server keeps only safe formatting (customers.services.history.note_sanitize);
// without JavaScript the note is a plain textarea that accepts the same tags.
(function () {
  "use strict";

  // Labels come translated from the textarea's data-label-* attributes.
  const BUTTONS = [
    { label: "B", key: "labelBold", open: "<strong>", close: "</strong>" },
    { label: "I", key: "labelItalic", open: "<em>", close: "</em>" },
    { label: "U", key: "labelUnderline", open: "<u>", close: "</u>" },
    { label: "", key: "labelList", list: true },
    { label: "", key: "labelLink", link: true },
  ];

  function wrap(textarea, open, close, placeholder) {
    const start = textarea.selectionStart;
    const end = textarea.selectionEnd;
    const selected = textarea.value.slice(start, end) || placeholder || "";
    const replacement = open + selected + close;
    textarea.setRangeText(replacement, start, end, "end");
    textarea.focus();
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function listFrom(text) {
    const items = text.split(/\r?\n/).filter((line) => line.trim() !== "");
    if (!items.length) items.push("");
    return "<ul>" + items.map((line) => "<li>" + line.trim() + "</li>").join("") + "</ul>";
  }

  function escapeAttribute(value) {
    return value.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
  }

  function addToolbar(textarea) {
    const toolbar = document.createElement("div");
    toolbar.className = "rich-text-toolbar";
    toolbar.setAttribute("role", "toolbar");
    toolbar.setAttribute("aria-controls", textarea.id);
    BUTTONS.forEach((spec) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "button-secondary";
      const title = textarea.dataset[spec.key] || spec.key.slice(5);
      button.textContent = spec.label || title;
      button.title = title;
      button.setAttribute("aria-label", title);
      button.addEventListener("click", () => {
        if (spec.list) {
          const start = textarea.selectionStart;
          const end = textarea.selectionEnd;
          textarea.setRangeText(listFrom(textarea.value.slice(start, end)), start, end, "end");
          textarea.focus();
        } else if (spec.link) {
          const url = window.prompt(textarea.dataset.labelLinkPrompt || "URL", "https://");
          if (!url || !/^(https?:|mailto:)/i.test(url.trim())) return;
          wrap(textarea, '<a href="' + escapeAttribute(url.trim()) + '">', "</a>", url.trim());
        } else {
          wrap(textarea, spec.open, spec.close);
        }
      });
      toolbar.appendChild(button);
    });
    textarea.parentNode.insertBefore(toolbar, textarea);
  }

  function init(root) {
    root.querySelectorAll("textarea[data-rich-text]").forEach((textarea) => {
      if (textarea.dataset.richTextReady) return;
      textarea.dataset.richTextReady = "1";
      addToolbar(textarea);
    });
  }

  document.addEventListener("DOMContentLoaded", () => init(document));
  document.addEventListener("htmx:load", (event) => init(event.target));
})();
