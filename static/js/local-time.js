/*
 * Times in the reader's own time zone, with UTC beside them.
 *
 * Pages are the same for everyone (a CDN may serve them), so the server writes each
 * time in UTC: <time datetime="2026-12-06T14:00:00+0000" data-local-time>6 Dec 2026,
 * 14:00 UTC</time>. Here the browser adds its own zone's time in front and keeps the
 * UTC text in brackets. Without this script the UTC time stands, as the footer says.
 */
(function () {
  "use strict";

  function zone() {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
    } catch (error) {
      return "UTC";
    }
  }

  function localise(root) {
    if (zone() === "UTC" || zone() === "Etc/UTC") return;
    var format = new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
      day: "numeric", month: "short", year: "numeric",
      hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZoneName: "short",
    });
    root.querySelectorAll("time[data-local-time]:not([data-localised])").forEach(function (element) {
      var when = new Date(element.getAttribute("datetime").replace(/([+-]\d\d)(\d\d)$/, "$1:$2"));
      if (isNaN(when)) return;
      var utc = element.textContent;
      element.textContent = format.format(when) + " (" + utc + ")";
      element.setAttribute("data-localised", "");
    });
    var note = document.querySelector("[data-local-time-note]");
    if (note) note.textContent = note.getAttribute("data-local-time-note").replace("{zone}", zone());
  }

  document.addEventListener("DOMContentLoaded", function () { localise(document); });
  // Parts of a page swapped in by htmx (the checklist, FAQ search) carry times too.
  document.addEventListener("htmx:load", function (event) { localise(event.target); });
})();
