/**
 * The storefront's only script (served from /-/static/, never inline): the copy button of the
 * `uses:` snippet. Everything else works without JavaScript.
 */
export const CLIENT_SCRIPT = `'use strict';
document.addEventListener('click', function (event) {
  var button = event.target instanceof Element ? event.target.closest('button[data-copy]') : null;
  if (!button) return;
  var source = document.getElementById(button.getAttribute('data-copy') || '');
  var status = document.getElementById(button.getAttribute('aria-controls') || '');
  if (!source) return;
  var text = source.textContent || '';
  var done = function (message) { if (status) status.textContent = message; };
  if (navigator.clipboard && navigator.clipboard.writeText) {
    navigator.clipboard.writeText(text).then(function () { done('Copied to the clipboard.'); }, function () {
      done('Copy failed: select the text and copy it by hand.');
    });
  } else {
    done('Copy is not available here: select the text and copy it by hand.');
  }
});
`;
