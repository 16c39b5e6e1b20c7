// The console's only script (the CSP allows no inline script). It does two things:
// - the live parts of a page: every element with data-live="<url>" is refreshed from that URL
//   every data-live-interval ms (set on <body>), replaced only when its HTML changed, and the
//   element that had the keyboard focus gets it back;
// - on the sign-in page, tells the server the browser's time zone, so dates show in it.
(function () {
  'use strict';

  function refresh(element) {
    fetch(element.getAttribute('data-live'), { credentials: 'same-origin', cache: 'no-store', headers: { 'Accept': 'text/html' } })
      .then(function (answer) {
        if (answer.status === 401) {
          window.location.assign('/sign-in?' + (answer.headers.get('X-Console-Session') || 'expired'));
          return null;
        }
        return answer.ok ? answer.text() : null;
      })
      .then(function (html) {
        if (html === null || html === element.getAttribute('data-live-html')) {
          return;
        }
        var focused = document.activeElement && element.contains(document.activeElement) ? document.activeElement.id : null;
        element.innerHTML = html;
        element.setAttribute('data-live-html', html);
        if (focused) {
          var again = document.getElementById(focused);
          if (again) {
            again.focus();
          }
        }
      })
      .catch(function () { /* the next round tries again */ });
  }

  document.addEventListener('DOMContentLoaded', function () {
    var interval = parseInt(document.body.getAttribute('data-live-interval'), 10) || 1000;
    document.querySelectorAll('[data-live]').forEach(function (element) {
      window.setInterval(function () {
        if (!document.hidden) {
          refresh(element);
        }
      }, interval);
    });
    var zone = document.getElementById('zone');
    if (zone && window.Intl) {
      zone.value = Intl.DateTimeFormat().resolvedOptions().timeZone || '';
    }
  });
}());
