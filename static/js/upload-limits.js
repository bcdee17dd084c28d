// Refuse too-large files before they are sent, so that nothing typed in the form is lost
// and slow connections do not upload for minutes only to be refused. The server checks again.
(function () {
  "use strict";
  document.querySelectorAll("form[data-max-file-bytes]").forEach(function (form) {
    var limit = parseInt(form.getAttribute("data-max-file-bytes"), 10);
    var message = form.getAttribute("data-too-large-message") || "File too large: ";
    form.addEventListener("submit", function (event) {
      form.querySelectorAll("input[type=file]").forEach(function (input) {
        var field = input.closest(".field") || input.parentNode;
        var old = field.querySelector(".error.client-check");
        if (old) { old.remove(); }
        var tooLarge = Array.prototype.filter.call(input.files || [], function (file) {
          return file.size > limit;
        });
        if (tooLarge.length) {
          event.preventDefault();
          var error = document.createElement("p");
          error.className = "error client-check";
          error.setAttribute("role", "alert");
          error.textContent = message + tooLarge.map(function (file) { return file.name; }).join(", ");
          input.setAttribute("aria-invalid", "true");
          field.appendChild(error);
        }
      });
    });
  });
})();
