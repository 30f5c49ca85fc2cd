// Wide screens show the product filters beside the results; small screens keep them folded.
if (window.matchMedia("(min-width: 900px)").matches) {
  document.querySelectorAll("details.filter-panel").forEach(function (d) { d.open = true; });
}
