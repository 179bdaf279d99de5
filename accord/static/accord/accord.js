// Progressive enhancement only: every page works without this file.
// Confirm destructive actions marked with data-confirm (no inline handlers: CSP).
document.addEventListener("submit", function (event) {
  var form = event.target;
  var message = form.getAttribute("data-confirm");
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});
// Copy-to-clipboard buttons for one-time secrets.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-copy]");
  if (!button) return;
  var source = document.getElementById(button.getAttribute("data-copy"));
  if (source && navigator.clipboard) {
    navigator.clipboard.writeText(source.textContent.trim());
    button.textContent = "Copied";
  }
});
// Live pages (data-live) poll for changes: while someone types in one of
// their forms, the poll does not replace it. A 409 (someone else saved first)
// is swapped in like a success, so its message and both texts are shown.
document.addEventListener("input", function (event) {
  var form = event.target.closest && event.target.closest("form[data-live-edit]");
  if (form) form.setAttribute("data-dirty", "1");
});
document.addEventListener("htmx:beforeSwap", function (event) {
  var detail = event.detail;
  if (detail.xhr && detail.xhr.status === 409) {
    detail.shouldSwap = true;
    detail.isError = false;
  }
  var target = detail.target;
  if (target && target.hasAttribute && target.hasAttribute("data-live") &&
      target.querySelector("form[data-dirty]")) {
    detail.shouldSwap = false;
  }
});
