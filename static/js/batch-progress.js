// Gift batch: follow the creation of its orders; the page reloads once they are all done.
// Without this script the page's "Refresh" link does the same.
(function () {
  "use strict";
  var box = document.querySelector("[data-progress-url]");
  if (!box || !window.fetch) return;
  var bar = document.getElementById("batch-progress");
  function poll() {
    fetch(box.getAttribute("data-progress-url"), { headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) return;
        bar.value = data.created + data.failed;
        box.querySelector("[data-field=created]").textContent = data.created;
        box.querySelector("[data-field=failed]").textContent = data.failed;
        if (data.done) { window.location.assign(box.getAttribute("data-done-url")); return; }
        window.setTimeout(poll, 1500);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
