// The office's workplace in the admin (a static file: the CSP allows no inline script).
// 1. Change lists on a phone: each cell gets its column's name (CSS shows rows as cards).
// 2. One-screen booking: client search as you type, and the price/hold/balance preview.
(function () {
  "use strict";

  function labelListCells() {
    var table = document.getElementById("result_list");
    if (!table) return;
    var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
      return th.textContent.trim();
    });
    table.querySelectorAll("tbody tr").forEach(function (row) {
      Array.prototype.forEach.call(row.children, function (cell, index) {
        if (heads[index]) cell.setAttribute("data-label", heads[index]);
      });
    });
  }

  function debounce(fn, ms) {
    var timer;
    return function () {
      var args = arguments;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(null, args); }, ms);
    };
  }

  function text(el, value) { if (el) el.textContent = value == null ? "" : value; }

  function bookingForm() {
    var form = document.getElementById("office-book-form");
    if (!form) return;
    var search = document.getElementById("client-search");
    var hidden = document.getElementById("id_client");
    var results = document.getElementById("client-results");
    var card = document.getElementById("client-card");
    var searchUrl = form.getAttribute("data-search-url");
    var quoteUrl = form.getAttribute("data-quote-url");

    function showClient(client) {
      hidden.value = String(client.id);
      search.value = client.name;
      results.innerHTML = "";
      card.hidden = false;
      text(card.querySelector("[data-field=name]"), client.name);
      text(card.querySelector("[data-field=email]"), client.email);
      text(card.querySelector("[data-field=phone]"), client.phone || "—");
      text(card.querySelector("[data-field=time_zone]"), client.time_zone);
      text(card.querySelector("[data-field=balance]"), client.balance);
      refreshQuote();
    }

    var find = debounce(function () {
      var q = search.value.trim();
      if (q.length < 2) { results.innerHTML = ""; return; }
      // POST: a typed phone number stays out of the URL and the access log.
      var body = new FormData();
      body.append("q", q);
      var token = form.querySelector("[name=csrfmiddlewaretoken]");
      fetch(searchUrl, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": token ? token.value : "" }
      })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          results.innerHTML = "";
          data.results.forEach(function (client) {
            var li = document.createElement("li");
            var button = document.createElement("button");
            button.type = "button";
            button.setAttribute("data-testid", "client-result");
            button.textContent = client.name + " · " + client.email + (client.phone ? " · " + client.phone : "") + " · " + client.balance;
            button.addEventListener("click", function () { showClient(client); });
            li.appendChild(button);
            results.appendChild(li);
          });
        });
    }, 200);

    search.addEventListener("input", function () {
      // Typing again forgets the chosen client unless it is an email typed in full.
      hidden.value = search.value.indexOf("@") > 0 ? search.value.trim() : "";
      card.hidden = true;
      find();
    });

    function checkedKind() {
      var checked = form.querySelector("input[name=kind]:checked");
      return checked ? checked.value : "";
    }

    var refreshQuote = debounce(function () {
      var params = new URLSearchParams({
        client: hidden.value,
        member: form.querySelector("#id_member").value,
        kind: checkedKind(),
        minutes: form.querySelector("#id_planned_minutes").value
      });
      fetch(quoteUrl + "?" + params.toString(), { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          var box = document.getElementById("booking-preview");
          var p = data.preview;
          box.hidden = !p;
          if (p) {
            text(box.querySelector("[data-field=price]"), p.price_per_minute);
            text(box.querySelector("[data-field=hold]"), p.hold);
            text(box.querySelector("[data-field=balance]"), p.balance || "—");
            text(box.querySelector("[data-field=after]"), p.after || "—");
            var verdict = box.querySelector("[data-field=verdict]");
            verdict.hidden = p.enough === undefined;
            verdict.className = p.enough ? "good" : "bad";
            text(verdict, p.enough ? verdict.getAttribute("data-ok") : verdict.getAttribute("data-short").replace("{missing}", p.missing));
          }
          var member = document.getElementById("member-card");
          member.hidden = !data.member;
          if (data.member) {
            text(member.querySelector("[data-field=name]"), data.member.name + " · " + data.member.agency);
            text(member.querySelector("[data-field=languages]"), data.member.languages);
            text(member.querySelector("[data-field=time_zone]"), data.member.time_zone);
          }
        });
    }, 150);

    form.addEventListener("input", function (event) {
      if (event.target !== search) refreshQuote();
    });
    form.addEventListener("change", refreshQuote);
    refreshQuote();
  }

  document.addEventListener("DOMContentLoaded", function () {
    labelListCells();
    bookingForm();
  });
})();

// 3. Scheduling: the chosen wall-clock time shown on the client's, the member's
// and the interpreter's clocks while the operator types (the server shows the
// same table after "Show the time for everyone", and without script).
(function () {
  "use strict";

  function offsetMinutes(instant, zone) {
    // The zone's offset at `instant`: its wall clock read as if it were UTC, minus the instant.
    var parts = new Intl.DateTimeFormat("en-US", {
      timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit"
    }).formatToParts(new Date(instant));
    var get = function (type) {
      return Number(parts.find(function (p) { return p.type === type; }).value);
    };
    var wall = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
    return (wall - instant) / 60000;
  }

  function instantsOf(local, zone) {
    // "2026-11-26T17:55" on the clocks of `zone` -> the instants (ms since the
    // epoch) it names: one; none on the night the clocks jump forward; two on
    // the night they go back. Each candidate offset is kept if it reads back.
    var m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(local || "");
    if (!m) return null;
    var guess = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]);
    var offsets = [offsetMinutes(guess - 864e5, zone), offsetMinutes(guess + 864e5, zone)];
    var found = [];
    offsets.forEach(function (offset) {
      var instant = guess - offset * 60000;
      if (offsetMinutes(instant, zone) === offset && found.indexOf(instant) < 0) found.push(instant);
    });
    return found.sort(function (a, b) { return a - b; });
  }

  function show(box) {
    var form = box.closest("#content-main").querySelector("form");
    var start = form.querySelector("#id_starts_at");
    var zone = form.querySelector("#id_time_zone");
    var interpreter = form.querySelector("#id_interpreter");
    var zones = JSON.parse(document.getElementById("interpreter-zones").textContent);
    var lang = document.documentElement.lang || "en";

    function say(text) {
      // No instant to show: say why instead of a shifted time (the server asks the same).
      var rows = document.getElementById("zone-times-rows");
      rows.innerHTML = "";
      var tr = document.createElement("tr");
      tr.className = "overdue";
      var td = document.createElement("td");
      td.colSpan = 3;
      td.setAttribute("data-testid", "zone-times-problem");
      td.textContent = text;
      tr.appendChild(td);
      rows.appendChild(tr);
      var hint = document.getElementById("zone-times-hint");
      if (hint) hint.hidden = true;
    }

    function render() {
      var instants = start && zone ? instantsOf(start.value, zone.value) : null;
      if (instants === null) return;
      if (instants.length === 0) return say(box.dataset.gap);
      var instant = instants[0];
      if (instants.length === 2) {
        var which = form.querySelector("input[name=which]:checked");
        if (!which || !which.value) return say(box.dataset.twice);
        instant = which.value === "second" ? instants[1] : instants[0];
      }
      var people = [
        [box.dataset.labelClient, box.dataset.clientTz],
        [box.dataset.labelMember, box.dataset.memberTz]
      ];
      if (interpreter && zones[interpreter.value]) people.push([box.dataset.labelInterpreter, zones[interpreter.value]]);
      var rows = document.getElementById("zone-times-rows");
      rows.innerHTML = "";
      people.forEach(function (person) {
        var clock = new Intl.DateTimeFormat(lang, {
          timeZone: person[1], weekday: "long", day: "numeric", month: "long",
          hour: "numeric", minute: "2-digit", hourCycle: lang === "ru" ? "h23" : "h12"
        }).format(new Date(instant));
        var hour = Number(new Intl.DateTimeFormat("en-US", { timeZone: person[1], hour: "numeric", hourCycle: "h23" }).format(new Date(instant)));
        var night = hour < 8 || hour >= 21;
        var tr = document.createElement("tr");
        if (night) tr.className = "overdue";
        var th = document.createElement("th");
        th.scope = "row";
        th.textContent = person[0];
        var td = document.createElement("td");
        td.textContent = clock + (night ? " — " + box.dataset.night : "");
        var tz = document.createElement("td");
        tz.className = "quiet";
        tz.textContent = person[1];
        tr.appendChild(th); tr.appendChild(td); tr.appendChild(tz);
        rows.appendChild(tr);
      });
      var hint = document.getElementById("zone-times-hint");
      if (hint) hint.hidden = true;
    }

    [start, zone, interpreter].forEach(function (el) {
      if (el) { el.addEventListener("input", render); el.addEventListener("change", render); }
    });
    form.addEventListener("change", function (event) {
      if (event.target.name === "which") render();
    });
    render();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("zone-times");
    if (box) show(box);
  });
})();
