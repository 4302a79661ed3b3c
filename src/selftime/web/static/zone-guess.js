// Pre-select the browser's own time zone on the sign-up form (the server still validates the choice).
(function () {
  var select = document.getElementById("time_zone");
  if (!select || select.dataset.guess !== "yes") return;
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    for (var i = 0; i < select.options.length; i++) {
      if (select.options[i].value === zone) { select.selectedIndex = i; return; }
    }
  } catch (e) { /* an old browser: UTC stays selected */ }
})();
