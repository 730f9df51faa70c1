// Confirm an import without leaving the page, polling its progress until the server answers.
(function () {
  "use strict";
  var form = document.getElementById("import-confirm");
  if (!form) { return; }
  var box = document.getElementById("import-progress");
  var bar = box.querySelector("progress");
  var text = box.querySelector(".import-progress-text");
  var timer = null;

  function poll() {
    fetch(form.dataset.progressUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (state) {
        if (!state || !state.total) { return; }
        bar.value = Math.round(100 * state.done / state.total);
        text.textContent = "正在导入：" + state.done + " / " + state.total;
      })
      .catch(function () { /* a missed poll is harmless: the next one catches up */ });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    form.querySelector("button").disabled = true;
    box.hidden = false;
    timer = window.setInterval(poll, 700);
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "Accept": "application/json" }
    })
      .then(function (response) { return response.json(); })
      .then(function (answer) { window.location.assign(answer.redirect); })
      .catch(function () { form.submit(); })
      .finally(function () { window.clearInterval(timer); });
  });
}());
