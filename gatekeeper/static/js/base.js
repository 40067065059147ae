/* Behaviour every page shares. Pages work without it; it only makes them quicker to use.
   - the menu button on a phone opens and closes the menu;
   - a <select data-autosubmit> submits its (GET) filter form when changed;
   - a <form data-confirm="question"> asks before it is sent;
   - a form's submit buttons are disabled once it is sent, so a double click does not send it twice;
   - the first field with an error, or the error summary, gets the focus.
   gatekeeper.api(path, body) calls the JSON API with the session and its CSRF token (for page scripts). */
(function () {
  "use strict";

  var csrf = document.querySelector('meta[name="csrf-token"]');

  window.gatekeeper = {
    csrfToken: csrf ? csrf.getAttribute("content") : "",
    /* POST (or GET without a body) to /api/v1 + path; resolves to {status, body}. */
    api: function (path, body, options) {
      var init = {
        method: body === undefined ? "GET" : "POST",
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRFToken": window.gatekeeper.csrfToken },
      };
      if (body !== undefined) {
        init.headers["Content-Type"] = "application/json";
        init.body = JSON.stringify(body);
      }
      if (options && options.signal) {
        init.signal = options.signal;
      }
      return fetch("/api/v1" + path, init).then(function (response) {
        return response
          .json()
          .catch(function () {
            return {};
          })
          .then(function (json) {
            return { status: response.status, body: json };
          });
      });
    },
    debounce: function (fn, ms) {
      var timer = null;
      return function () {
        var args = arguments;
        var self = this;
        clearTimeout(timer);
        timer = setTimeout(function () {
          fn.apply(self, args);
        }, ms);
      };
    },
  };

  var toggle = document.querySelector(".nav-toggle");
  var nav = document.getElementById("site-nav");
  if (toggle && nav) {
    toggle.addEventListener("click", function () {
      var open = nav.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () {
      if (select.form) {
        select.form.submit();
      }
    });
  });

  document.querySelectorAll("form").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var question = form.getAttribute("data-confirm");
      if (question && !window.confirm(question)) {
        event.preventDefault();
        return;
      }
      if ((form.getAttribute("method") || "get").toLowerCase() === "post") {
        window.setTimeout(function () {
          form.querySelectorAll('button[type="submit"], input[type="submit"]').forEach(function (b) {
            b.disabled = true;
          });
        }, 0);
      }
    });
  });

  var invalid = document.querySelector('[aria-invalid="true"]') || document.querySelector(".error-summary");
  if (invalid && typeof invalid.focus === "function") {
    invalid.focus();
  }
})();
