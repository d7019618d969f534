// A5: progressive enhancement of the audit log's time zone field — before the viewer has chosen
// one, it is filled with the browser's own zone; the page works without it (UTC, or ?tz=).
(() => {
  const field = document.querySelector('input[data-tz-default="browser"]');
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (field && zone) field.value = zone;
})();
