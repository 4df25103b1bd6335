// After a rejected submit: open the folded section holding the first field in error and
// move there, on a full page load and after htmx swaps a form back in. Without this
// script the server's `autofocus` on that field does the same on a full page load.
(() => {
  const firstError = (root) => root.querySelector("[aria-invalid=true]");

  const goTo = (field) => {
    for (let el = field.parentElement; el; el = el.parentElement) {
      if (el.tagName === "DETAILS") el.open = true;
    }
    field.focus({ preventScroll: true });
    field.scrollIntoView({ block: "center" });
  };

  document.addEventListener("DOMContentLoaded", () => {
    const field = firstError(document);
    if (field) goTo(field);
  });

  document.body.addEventListener("htmx:afterSwap", (event) => {
    // An outerHTML swap replaces the element the event names: then look at the page.
    const swapped = event.detail.elt;
    const field = firstError(swapped && swapped.isConnected ? swapped : document);
    if (field) goTo(field);
  });

  // The browser's own checks stop at a field it cannot focus: open its section first.
  document.addEventListener(
    "invalid",
    (event) => {
      const details = event.target.closest("details");
      if (details) details.open = true;
    },
    true,
  );
})();
