// Checkout: suggest the communes and wards of the chosen province while the shopper types.
// Without this script the "Find the commune or ward" button does the same through the server.
(function () {
  "use strict";
  var input = document.querySelector("input[data-suggest-url]");
  if (!input || !window.fetch) return;
  var province = document.getElementById(input.getAttribute("data-province-field"));
  if (!province) return;
  var url = input.getAttribute("data-suggest-url");
  var list = document.createElement("datalist");
  list.id = input.id + "-suggestions";
  input.parentNode.appendChild(list);
  input.setAttribute("list", list.id);

  var timer = null;
  var latest = 0;
  function clear() {
    while (list.firstChild) list.removeChild(list.firstChild);
  }
  function suggest() {
    var code = province.value;
    var query = input.value.trim();
    if (!code || !query) { clear(); return; }
    var ticket = ++latest;
    fetch(url + "?province=" + encodeURIComponent(code) + "&q=" + encodeURIComponent(query), {
      headers: { "Accept": "application/json" }
    })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data || ticket !== latest) return;
        clear();
        data.communes.forEach(function (commune) {
          var option = document.createElement("option");
          option.value = commune.name;
          list.appendChild(option);
        });
      })
      .catch(function () { /* suggestions are a convenience; the server still checks */ });
  }
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(suggest, 150);
  });
  province.addEventListener("change", function () { clear(); if (input.value) suggest(); });
})();
