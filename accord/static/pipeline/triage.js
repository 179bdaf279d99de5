// Keyboard triage (progressive enhancement; the page works without it):
// j / ArrowDown next lead, k / ArrowUp previous, a accept, r reject (focuses
// the reason: choose one, then Enter), x select the lead for a bulk decision.
(function () {
  "use strict";

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("table.triage tbody tr[data-lead]"));
  }

  function current() {
    var active = document.activeElement;
    return active && active.closest ? active.closest("tr[data-lead]") : null;
  }

  function focusRow(row) {
    if (!row) return;
    row.focus();
    row.scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    var all = rows();
    if (!all.length) return;
    var index = all.indexOf(current());
    var next = index < 0 ? 0 : Math.min(Math.max(index + step, 0), all.length - 1);
    focusRow(all[next]);
  }

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA" || (target && target.isContentEditable);
  }

  // After a decision the row leaves the queue (htmx swaps it out): the next
  // one takes the focus. Polled, since the swap ends on a detached element.
  function focusWhenGone(row, next) {
    if (!next) return;
    var tries = 0;
    var timer = window.setInterval(function () {
      tries += 1;
      if (!document.body.contains(row)) {
        window.clearInterval(timer);
        if (document.body.contains(next)) focusRow(next);
      } else if (tries > 600) {
        window.clearInterval(timer); // still there after a minute: nothing was decided
      }
    }, 100);
  }

  function neighbour(all, row) {
    var index = all.indexOf(row);
    return all[index + 1] || all[index - 1] || null;
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (typing(event.target)) {
      if (event.key === "Escape") {
        var back = event.target.closest("tr[data-lead]");
        if (back) focusRow(back);
      }
      return;
    }
    var row = current();
    var all = rows();
    switch (event.key) {
      case "j":
      case "ArrowDown":
        move(1);
        break;
      case "k":
      case "ArrowUp":
        move(-1);
        break;
      case "a":
        if (!row) return;
        focusWhenGone(row, neighbour(all, row));
        row.querySelector("[data-key=accept]").click();
        break;
      case "r":
        if (!row) return;
        focusWhenGone(row, neighbour(all, row));
        row.querySelector("[data-key=reason]").focus();
        break;
      case "x":
        if (!row) return;
        var box = row.querySelector("input[name=leads]");
        if (box) box.checked = !box.checked;
        break;
      default:
        return;
    }
    event.preventDefault();
  });
})();
