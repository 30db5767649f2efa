// The chat: questions go to POST /ask (the CSRF token in a header), the
// server answers with an HTML fragment it escaped; alerts arrive as
// server-sent events and are built with textContent only.
(function () {
  "use strict";
  var form = document.getElementById("ask");
  if (!form) { return; }
  var messages = document.getElementById("messages");
  var input = document.getElementById("q");
  var csrf = form.querySelector("input[name=csrf]").value;

  function scroll() { messages.scrollTop = messages.scrollHeight; }

  function say(cls, text) {
    var d = document.createElement("div");
    d.className = "msg " + cls;
    d.textContent = text;
    messages.appendChild(d);
    scroll();
    return d;
  }

  function ask(q) {
    say("me", q);
    var body = new URLSearchParams();
    body.set("q", q);
    fetch("/ask", { method: "POST", headers: { "X-CSRF-Token": csrf }, body: body, credentials: "same-origin" })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        var t = document.createElement("template");
        t.innerHTML = html; // escaped by the server's html/template
        messages.appendChild(t.content);
        scroll();
      })
      .catch(function () { say("bot", "I could not reach the server; try again."); });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var q = input.value.trim();
    if (q) { ask(q); input.value = ""; }
  });

  messages.addEventListener("click", function (e) {
    if (e.target.classList.contains("suggest")) { ask(e.target.textContent); }
  });

  var es = new EventSource("/events");
  es.addEventListener("alert", function (e) {
    var a = JSON.parse(e.data);
    var d = document.createElement("div");
    d.className = "msg alert " + a.kind;
    var s = document.createElement("strong");
    s.textContent = a.title;
    var p = document.createElement("p");
    p.textContent = a.body;
    d.appendChild(s);
    d.appendChild(p);
    messages.appendChild(d);
    scroll();
  });
  scroll();
})();
