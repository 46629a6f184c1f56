// Small progressive enhancements; every page works without them. The
// Content-Security-Policy allows no inline script nor style attribute: behaviour is
// wired here from data attributes.
document.addEventListener("click", (event) => {
  const toggle = event.target.closest("[data-toggle-nav]");
  if (!toggle) return;
  const nav = document.getElementById(toggle.getAttribute("aria-controls"));
  const open = nav.classList.toggle("open");
  toggle.setAttribute("aria-expanded", String(open));
});

// The staff menu's drop-downs: one open at a time, closed by a click elsewhere or
// by Escape. Without JavaScript they open and close on their own summary.
const navDropdownsClose = (except) => {
  document.querySelectorAll("details[data-nav-dropdown][open]").forEach((details) => {
    if (details !== except) details.open = false;
  });
};
document.addEventListener("click", (event) => {
  navDropdownsClose(event.target.closest("details[data-nav-dropdown]"));
});
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  const open = document.querySelector("details[data-nav-dropdown][open]");
  if (!open) return;
  open.open = false;
  open.querySelector("summary").focus();
});

// The language switcher (and any select marked so) submits its form on change;
// without JavaScript its <noscript> button does.
document.addEventListener("change", (event) => {
  const select = event.target.closest("select[data-submit-on-change]");
  if (select && select.form) select.form.submit();
});

// Colours chosen in the settings (tags, the checkout button) come as data-colour
// and data-text-colour; the stylesheet reads them as custom properties. Setting a
// property through the CSSOM is allowed by the policy, a style attribute is not.
const HEX_COLOUR = /^#[0-9a-fA-F]{6}$/;
const paintColours = (root) => {
  const elements = [...root.querySelectorAll("[data-colour]")];
  if (root.matches && root.matches("[data-colour]")) elements.push(root);
  elements.forEach((element) => {
    const { colour, textColour } = element.dataset;
    if (HEX_COLOUR.test(colour)) element.style.setProperty("--custom-colour", colour);
    if (HEX_COLOUR.test(textColour || "")) {
      element.style.setProperty("--custom-text-colour", textColour);
    }
  });
};
document.addEventListener("DOMContentLoaded", () => paintColours(document));
// Fragments swapped in by htmx (the customer list's filters, say).
document.addEventListener("htmx:load", (event) => paintColours(event.target));

// Language tabs (templates/includes/language_tabs.html): without JavaScript every
// language's fields show, stacked; here one panel shows at a time, its tab selected.
const languageTabSelect = (container, tab, focus) => {
  container.querySelectorAll("[role=tab]").forEach((other) => {
    const selected = other === tab;
    other.setAttribute("aria-selected", String(selected));
    other.tabIndex = selected ? 0 : -1;
    const panel = document.getElementById(other.getAttribute("aria-controls"));
    if (panel) panel.hidden = !selected;
  });
  if (focus) tab.focus();
};
const languageTabsSetUp = (root) => {
  root.querySelectorAll("[data-language-tabs]:not(.language-tabs-ready)").forEach((container) => {
    const tabs = [...container.querySelectorAll("[role=tab]")];
    if (!tabs.length) return;
    container.classList.add("language-tabs-ready");
    container.querySelector("[role=tablist]").hidden = false;
    container.querySelectorAll(".language-panel").forEach((panel) => {
      panel.setAttribute("role", "tabpanel");
      panel.setAttribute("aria-labelledby", `${container.id}-tab-${panel.dataset.language}`);
    });
    const first = tabs.find((tab) => tab.getAttribute("aria-selected") === "true") || tabs[0];
    languageTabSelect(container, first, false);
  });
};
document.addEventListener("DOMContentLoaded", () => languageTabsSetUp(document));
document.addEventListener("click", (event) => {
  const tab = event.target.closest("[data-language-tabs] [role=tab]");
  if (tab) languageTabSelect(tab.closest("[data-language-tabs]"), tab, false);
});
document.addEventListener("keydown", (event) => {
  const tab = event.target.closest("[data-language-tabs] [role=tab]");
  if (!tab || !["ArrowLeft", "ArrowRight", "Home", "End"].includes(event.key)) return;
  const tabs = [...tab.parentElement.querySelectorAll("[role=tab]")];
  const index = tabs.indexOf(tab);
  const next = {
    ArrowLeft: tabs[(index - 1 + tabs.length) % tabs.length],
    ArrowRight: tabs[(index + 1) % tabs.length],
    Home: tabs[0],
    End: tabs[tabs.length - 1],
  }[event.key];
  event.preventDefault();
  languageTabSelect(tab.closest("[data-language-tabs]"), next, true);
});

// A row of tabs that scrolls sideways (the customer card's, on a narrow screen)
// shows the current tab rather than the first ones.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-scroll-current]").forEach((row) => {
    const current = row.querySelector("[aria-current]");
    if (!current || row.scrollWidth <= row.clientWidth) return;
    row.scrollLeft = current.offsetLeft - (row.clientWidth - current.offsetWidth) / 2;
  });
});

// A fold marked data-remember-open (the staff lists' "More filters") opens as it was
// left, per staff member and list, in this browser. The server opens it when a
// folded filter is in use (data-in-use); the person's clicks are what is remembered.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("details[data-remember-open]").forEach((details) => {
    const key = `clientela:${details.dataset.rememberOpen}`;
    try {
      if (!details.hasAttribute("data-in-use") && localStorage.getItem(key) === "open") {
        details.open = true;
      }
    } catch (error) {
      return; // storage switched off: the fold works, unremembered
    }
    details.querySelector("summary").addEventListener("click", () => {
      try {
        localStorage.setItem(key, details.open ? "closed" : "open");
      } catch (error) {
        // storage full or switched off: nothing to remember
      }
    });
  });
});
