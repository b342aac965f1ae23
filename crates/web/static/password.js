// Live feedback under a new password field (an input with data-min-length and data-max-length):
// how many characters it has against the rules. Only an aid: the page works without it, and the
// server checks the rules itself (the length, and the list of common passwords, which is not
// sent to the browser). Characters are counted as the server counts them (code points).
(function () {
  "use strict";
  var inputs = document.querySelectorAll("input[data-min-length]");
  Array.prototype.forEach.call(inputs, function (input) {
    var min = parseInt(input.getAttribute("data-min-length"), 10);
    var max = parseInt(input.getAttribute("data-max-length"), 10);
    var out = document.createElement("p");
    out.className = "hint";
    out.id = input.id + "-live";
    out.setAttribute("aria-live", "polite");
    input.parentNode.insertBefore(out, input.nextSibling);
    var described = input.getAttribute("aria-describedby");
    input.setAttribute("aria-describedby", (described ? described + " " : "") + out.id);
    function update() {
      var n = Array.from(input.value).length;
      if (n === 0) {
        out.textContent = "";
      } else if (n < min) {
        out.textContent = n + " tegn – der mangler " + (min - n) + " for at nå mindst " + min + ".";
      } else if (n > max) {
        out.textContent = n + " tegn – højst " + max + " er tilladt.";
      } else {
        out.textContent = n + " tegn – længden er i orden. Almindelige adgangskoder afvises, når du gemmer.";
      }
    }
    input.addEventListener("input", update);
  });
})();
