// The print view of a community's list: a "Print" button, shown only when this script runs (without
// it the page says to use the browser's own print command).
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      window.print();
    });
  });
})();
