/* Keeps a page's session alive while the person works on it, and keeps what they type.
   The server renews the session on any request past half its life; this asks /session now
   and then, but only after the person typed, clicked or scrolled, so an idle page lets the
   session end. Text typed into a form marked data-keep is saved in this tab until it is sent.
   Nothing is loaded from elsewhere and nothing here is needed for a page to work. */
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="session-lifetime"]');
  var lifetime = meta ? Number(meta.content) : 0;
  var active = false;
  var banner = document.getElementById("signed-out");

  function markActive() { active = true; }
  ["keydown", "input", "pointerdown", "scroll"].forEach(function (name) {
    window.addEventListener(name, markActive, { passive: true, capture: true });
  });

  function ping() {
    if (!active) { return; }
    active = false;
    fetch("/session", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.status === 401 && banner) { banner.hidden = false; }
      })
      .catch(function () { /* offline for a moment: try again next time */ });
  }
  if (lifetime > 0) {
    window.setInterval(ping, Math.max(5, lifetime / 4) * 1000);
  }

  function key(field) {
    return "draft:" + location.pathname + ":" + field.form.getAttribute("action") + ":" + field.name;
  }
  document.querySelectorAll("form[data-keep] textarea, form[data-keep] input[type=text], form[data-keep] input:not([type])")
    .forEach(function (field) {
      try {
        var saved = window.sessionStorage.getItem(key(field));
        if (saved && !field.value) { field.value = saved; }
        field.addEventListener("input", function () {
          window.sessionStorage.setItem(key(field), field.value);
        });
        field.form.addEventListener("submit", function () {
          window.sessionStorage.removeItem(key(field));
        });
      } catch (error) { /* storage switched off: the server still keeps a form sent too late */ }
    });
}());
