/* A little help for the forms; every page works without it. */
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  ready(function () {
    // Move focus to the error summary so screen readers announce it.
    var summary = document.querySelector("[data-autofocus]");
    if (summary) summary.focus();

    // "Add another number": clone the empty row of the formset.
    document.querySelectorAll("[data-add-row]").forEach(function (button) {
      var form = button.closest("form");
      var template = form.querySelector("#number-row-template");
      var rows = form.querySelector("#number-rows");
      var total = form.querySelector("input[name$='-TOTAL_FORMS']");
      var max = parseInt(button.getAttribute("data-max"), 10) || 10;
      function update() { button.disabled = parseInt(total.value, 10) >= max; }
      update();
      button.addEventListener("click", function () {
        var index = parseInt(total.value, 10);
        if (index >= max) return;
        var html = template.innerHTML.replace(/__prefix__/g, String(index));
        rows.insertAdjacentHTML("beforeend", html);
        total.value = String(index + 1);
        var added = rows.lastElementChild.querySelector("select, input");
        if (added) added.focus();
        update();
      });
    });

    // Show the part of the form that fits the answer given.
    function toggle() {
      document.querySelectorAll("[data-show-when]").forEach(function (el) {
        var parts = el.getAttribute("data-show-when").split("=");
        var checked = document.querySelector("input[name='" + parts[0] + "']:checked");
        el.hidden = !(checked && checked.value === parts[1]);
      });
      document.querySelectorAll("[data-hide-when]").forEach(function (el) {
        var box = document.querySelector("input[name='" + el.getAttribute("data-hide-when") + "']");
        el.hidden = !!(box && box.checked);
      });
    }
    document.addEventListener("change", toggle);
    toggle();
  });
})();
