// The participant's hand-in form: refuse, before anything is sent, more files than the assignment
// takes or files that together are larger than one request may carry (so that nothing typed is lost
// and a slow connection does not upload for minutes only to be refused); then, once sent, keep the
// buttons from sending it twice (the server also submits a form only once).
(function () {
  "use strict";
  document.querySelectorAll("form.submission-form").forEach(function (form) {
    var total = parseInt(form.getAttribute("data-max-total-bytes"), 10) || 0;
    var count = parseInt(form.getAttribute("data-max-files"), 10) || 0;
    form.addEventListener("submit", function (event) {
      if (event.defaultPrevented) { return; }  // another check refused it already
      var input = form.querySelector("input[type=file]");
      if (input) {
        var field = input.closest(".field") || input.parentNode;
        var old = field.querySelector(".error.client-total-check");
        if (old) { old.remove(); }
        var files = Array.prototype.slice.call(input.files || []);
        var kept = form.querySelectorAll("input[name=remove_files]").length -
          form.querySelectorAll("input[name=remove_files]:checked").length;
        var size = files.reduce(function (sum, file) { return sum + file.size; }, 0);
        var message = "";
        if (count && files.length + kept > count) {
          message = form.getAttribute("data-too-many-message");
        } else if (total && size > total) {
          message = form.getAttribute("data-too-large-total-message");
        }
        if (message) {
          event.preventDefault();
          var error = document.createElement("p");
          error.className = "error client-total-check";
          error.setAttribute("role", "alert");
          error.textContent = message;
          input.setAttribute("aria-invalid", "true");
          field.appendChild(error);
          return;
        }
      }
      var buttons = form.querySelectorAll("button[type=submit]");
      window.setTimeout(function () {  // after the browser has taken the clicked button's action
        buttons.forEach(function (button) { button.disabled = true; });
        form.classList.add("is-sending");
      }, 0);
      window.setTimeout(function () {  // a stalled upload can be sent again (the server submits once)
        buttons.forEach(function (button) { button.disabled = false; });
        form.classList.remove("is-sending");
      }, 15000);
    });
  });
})();
