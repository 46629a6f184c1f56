// Loaded in <head>, before the page is drawn: marks that JavaScript runs, so the
// stylesheet folds the narrow-screen menu behind its button without a flash of the
// open menu. Without JavaScript the menu simply stays open.
document.documentElement.classList.add("js");
