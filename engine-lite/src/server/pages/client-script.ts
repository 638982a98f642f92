/**
 * The run page's only script (served from /-/static/, never inline): live step statuses from the
 * page's events stream and live log lines from its log stream. Log lines arrive as text segments
 * with fixed class names and are added with textContent: nothing from a log becomes markup.
 * Without JavaScript the page still shows everything as of its load.
 */
export const RUN_PAGES_SCRIPT = `'use strict';
(function () {
  var root = document.querySelector('[data-live-run]');
  if (!root || typeof EventSource === 'undefined') return;
  var runId = root.getAttribute('data-live-run');
  var base = '/runs/' + encodeURIComponent(runId);
  var runState = document.getElementById('run-status');
  var setStatus = function (el, status) {
    if (!el) return;
    var cls = (el.getAttribute('class') || '').replace(/\\bst-[a-z]+/g, '').trim();
    el.setAttribute('class', cls + ' st-' + status);
    var text = el.matches('[data-state]') ? el : el.querySelector('[data-state]');
    if (text) text.textContent = status;
    var title = el.querySelector('title');
    if (title) title.textContent = el.getAttribute('data-step') + ': ' + status;
  };
  var stepStatus = function (step, status) {
    var nodes = document.querySelectorAll('[data-step]');
    for (var i = 0; i < nodes.length; i++) if (nodes[i].getAttribute('data-step') === step) setStatus(nodes[i], status);
  };
  var events = new EventSource(base + '/live/events');
  events.addEventListener('snapshot', function (e) {
    var d = JSON.parse(e.data);
    (d.steps || []).forEach(function (s) { stepStatus(s.id, s.status); });
    if (d.status) setStatus(runState, d.status);
  });
  events.addEventListener('step', function (e) { var d = JSON.parse(e.data); stepStatus(d.stepId, d.status); });
  events.addEventListener('run', function (e) { setStatus(runState, JSON.parse(e.data).status); });
  events.addEventListener('end', function (e) {
    events.close();
    var d = JSON.parse(e.data);
    if (d.status) setStatus(runState, d.status);
    var note = document.getElementById('live-note');
    if (note) note.textContent = 'The run has ended (' + d.status + '). Reload to see its outputs, files and summaries.';
  });
  events.onerror = function () { if (events.readyState === EventSource.CLOSED) events.close(); };

  var from = [];
  var logs = document.querySelectorAll('pre.log[data-log-step]');
  var logOf = {};
  for (var i = 0; i < logs.length; i++) {
    var step = logs[i].getAttribute('data-log-step');
    logOf[step] = logs[i];
    var n = Number(logs[i].getAttribute('data-lines') || '0');
    if (n > 0) from.push(encodeURIComponent(step) + ':' + n);
  }
  var lines = new EventSource(base + '/live/logs?from=' + encodeURIComponent(from.join(',')));
  lines.addEventListener('log', function (e) {
    var d = JSON.parse(e.data);
    var pre = logOf[d.step];
    if (!pre) return;
    var empty = pre.querySelector('[data-empty]');
    if (empty) empty.remove();
    var line = document.createElement('span');
    line.className = 'line' + (d.stream === 'stderr' ? ' err' : '');
    d.segments.forEach(function (s) {
      var part = document.createElement('span');
      if (s.cls) part.className = s.cls;
      part.textContent = s.text;
      line.appendChild(part);
    });
    line.appendChild(document.createTextNode('\\n'));
    var atEnd = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
    pre.appendChild(line);
    if (atEnd) pre.scrollTop = pre.scrollHeight;
  });
  lines.addEventListener('end', function () { lines.close(); });
  lines.onerror = function () { if (lines.readyState === EventSource.CLOSED) lines.close(); };
})();
`;
