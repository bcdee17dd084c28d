/* Live session countdowns: updates elements with data-starts-at every 30 seconds.
   The server renders the first text; this only keeps it current. */
(function () {
  "use strict";
  var lang = document.documentElement.lang || "en";

  function unit(value, name) {
    try {
      return new Intl.NumberFormat(lang, { style: "unit", unit: name, unitDisplay: "long" }).format(value);
    } catch (error) {
      return value + " " + name + (value === 1 ? "" : "s");
    }
  }

  function describe(minutes) {
    var hours = Math.floor(minutes / 60);
    var rest = minutes % 60;
    var parts = [];
    if (hours) { parts.push(unit(hours, "hour")); }
    if (rest || !hours) { parts.push(unit(rest, "minute")); }
    return parts.join(" ");
  }

  function update() {
    var now = Date.now();
    var elements = document.querySelectorAll("[data-starts-at]");
    for (var i = 0; i < elements.length; i += 1) {
      var element = elements[i];
      var startsAt = Date.parse(element.getAttribute("data-starts-at"));
      if (isNaN(startsAt)) { continue; }
      var seconds = Math.floor((startsAt - now) / 1000);
      if (seconds <= 0) {
        element.textContent = element.getAttribute("data-started");
      } else if (seconds < 60) {
        element.textContent = element.getAttribute("data-soon");
      } else {
        var template = element.getAttribute("data-template") || "{duration}";
        element.textContent = template.replace("{duration}", describe(Math.ceil(seconds / 60)));
      }
    }
  }

  update();
  window.setInterval(update, 30000);
}());
