// Landing page: the example photo's before/after slider (compare.js).
(function () {
  "use strict";
  const figure = document.getElementById("landing-compare");
  if (figure && window.Compare) window.Compare.slider(figure);
})();
