/* The administrator's forms: show only the fields that apply.
   - a user's role ([data-role-select]) shows the attachments that role uses ([data-roles="officer ..."]);
   - a new street or community (radios name="level" in form[data-level-form]) shows the parents and
     figures of that level ([data-for-level="street"|"community"]).
   Without this script every field shows and the server keeps only those that apply. */
(function () {
  "use strict";

  var role = document.querySelector("[data-role-select]");
  if (role) {
    var byRole = function () {
      document.querySelectorAll("[data-roles]").forEach(function (box) {
        var roles = box.getAttribute("data-roles").split(" ");
        box.hidden = roles.indexOf(role.value) === -1;
      });
    };
    role.addEventListener("change", byRole);
    byRole();
  }

  var form = document.querySelector("form[data-level-form]");
  if (form) {
    var radios = form.querySelectorAll('input[name="level"]');
    var byLevel = function () {
      var level = form.getAttribute("data-level") || "";
      radios.forEach(function (radio) {
        if (radio.checked) {
          level = radio.value;
        }
      });
      if (!level) {
        return;
      }
      form.querySelectorAll("[data-for-level]").forEach(function (part) {
        var off = part.getAttribute("data-for-level") !== level;
        part.hidden = off;
        if (part.tagName === "OPTGROUP") {
          part.disabled = off;
          var select = part.parentElement;
          var chosen = select.options[select.selectedIndex];
          if (off && chosen && chosen.parentElement === part) {
            select.value = "";
          }
        }
      });
    };
    radios.forEach(function (radio) {
      radio.addEventListener("change", byLevel);
    });
    byLevel();
  }
})();
