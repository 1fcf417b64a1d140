// The grading page's keyboard: a key per category grades the focused group (or the selected
// groups), j/k or the arrows move between groups, x selects, r reveals the focused group's
// pictures (each reveal is a request the server audits). It only drives the page's own forms.
(function () {
  "use strict";
  const groups = Array.from(document.querySelectorAll("li.group"));
  if (!groups.length) return;
  const bulk = document.getElementById("bulk");
  let current = Math.max(0, groups.findIndex((g) => "#" + g.id === location.hash));

  function focus(index) {
    current = Math.max(0, Math.min(groups.length - 1, index));
    groups.forEach((g, i) => g.classList.toggle("current", i === current));
    groups[current].focus({ preventScroll: false });
  }

  function selected() {
    return groups.filter((g) => g.querySelector("input.select:checked"));
  }

  function fillBulk(chosen) {  // the bulk form names every file of the selected groups
    bulk.querySelectorAll("input[name=files]").forEach((input) => input.remove());
    chosen.forEach((g) => g.dataset.files.split(" ").forEach((file) => {
      const input = document.createElement("input");
      input.type = "hidden";
      input.name = "files";
      input.value = file;
      bulk.appendChild(input);
    }));
  }

  function backTo(form, group) {
    const back = form.querySelector("input[name=back]");
    if (back) back.value = back.value.split("#")[0] + "#" + group.id;
  }

  function grade(key) {
    const chosen = selected();
    if (chosen.length && bulk) {
      const button = bulk.querySelector('button[data-key="' + key + '"]');
      if (!button) return;
      fillBulk(chosen);
      backTo(bulk, groups[current]);
      bulk.requestSubmit(button);
      return;
    }
    const form = groups[current].querySelector("form.vote");
    const button = form && form.querySelector('button[data-key="' + key + '"]');
    if (!button) return;
    backTo(form, groups[current + 1] || groups[current]);  // on to the next group
    form.requestSubmit(button);
  }

  function countSelected() {
    const count = document.getElementById("selected-count");
    if (count) count.value = String(selected().length);
  }

  groups.forEach((g, i) => {
    g.addEventListener("click", () => { current = i; groups.forEach((o, j) => o.classList.toggle("current", j === i)); });
    const box = g.querySelector("input.select");
    if (box) box.addEventListener("change", countSelected);
  });
  if (bulk) {
    bulk.addEventListener("submit", (event) => {
      if (!bulk.querySelector("input[name=files]")) {  // a mouse click on a bulk button
        const chosen = selected();
        if (!chosen.length) { event.preventDefault(); return; }
        fillBulk(chosen);
      }
    });
  }

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target.closest("input, select, textarea, button")) {
      if (!event.target.matches("input.select")) return;
    }
    const key = event.key;
    if (key === "j" || key === "ArrowDown") { focus(current + 1); event.preventDefault(); }
    else if (key === "k" || key === "ArrowUp") { focus(current - 1); event.preventDefault(); }
    else if (key === "x") {
      const box = groups[current].querySelector("input.select");
      if (box) { box.checked = !box.checked; countSelected(); }
      event.preventDefault();
    } else if (key === "r") {
      groups[current].querySelectorAll("img.thumb[data-reveal]").forEach((img) => { img.src = img.dataset.reveal; });
      event.preventDefault();
    } else if (/^[1-9]$/.test(key)) { grade(key); event.preventDefault(); }
  });
  focus(current);
})();
