// The grading page: the sum of the rubric levels chosen so far, updated as the grader clicks
// (the server computes the score again when the grade is saved).
(function () {
  "use strict";
  var output = document.querySelector(".grade-live-score");
  var form = output && output.closest("form");
  if (!form) { return; }
  var max = parseInt(output.getAttribute("data-max"), 10);
  var pass = parseInt(output.getAttribute("data-pass"), 10);
  function update() {
    var chosen = form.querySelectorAll(".rubric-level input[type=radio]:checked");
    if (!chosen.length) { output.hidden = true; return; }
    var score = 0;
    chosen.forEach(function (input) { score += parseInt(input.getAttribute("data-points"), 10) || 0; });
    score = Math.max(0, Math.min(score, max));
    output.textContent = output.getAttribute("data-template").replace("{score}", score).replace("{points}", max) +
      " · " + output.getAttribute(score >= pass ? "data-pass-label" : "data-fail-label");
    output.hidden = false;
  }
  form.addEventListener("change", update);
  update();
})();
