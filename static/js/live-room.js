/* The live room: joins over Socket.IO (namespace /live), applies room events to the
   server-rendered page, de-duplicates them by id, and catches up after a reconnect. */
(function () {
  "use strict";

  var root = document.getElementById("live-room");
  if (!root || typeof io === "undefined") { return; }

  var sessionId = Number(root.dataset.sessionId);
  var me = Number(root.dataset.userId);
  var moderator = root.dataset.moderator === "true";
  var lastEventId = Number(root.dataset.lastEventId) || 0;
  var seen = new Set();
  var text = root.dataset;
  var socket = io("/live", { transports: ["websocket", "polling"] });

  function $(id) { return document.getElementById(id); }

  function el(tag, className, content) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (content !== undefined && content !== null) { node.textContent = String(content); }
    return node;
  }

  function button(label, action, attrs) {
    var node = el("button", "link-button small", label);
    node.type = "button";
    node.dataset.action = action;
    Object.keys(attrs || {}).forEach(function (key) { node.dataset[key] = attrs[key]; });
    return node;
  }

  function status(message) { var node = $("live-status"); if (node) { node.textContent = message; } }

  function showError(message) {
    var node = $("live-error");
    node.textContent = message || "";
    node.hidden = !message;
  }

  function send(event, data, done) {
    data.session_id = sessionId;
    socket.emit(event, data, function (ack) {
      showError(ack && ack.ok ? "" : (ack && ack.error));
      if (ack && ack.ok && done) { done(ack); }
    });
  }

  function dropEmpty(list) {
    var empty = list.querySelector(".live-empty");
    if (empty) { empty.remove(); }
  }

  /* Room events -------------------------------------------------------------------------- */

  function addChat(event) {
    var list = $("chat-list");
    if (list.querySelector('[data-message-id="' + event.data.message_id + '"]')) { return; }
    dropEmpty(list);
    var item = el("li");
    item.dataset.messageId = event.data.message_id;
    item.appendChild(el("span", "live-author", event.actor ? event.actor.name : ""));
    item.appendChild(document.createTextNode(" "));
    item.appendChild(el("time", "muted small", new Date(event.at).toLocaleTimeString()));
    item.appendChild(document.createTextNode(" "));
    item.appendChild(el("span", "live-text", event.data.deleted ? text.textDeleted : event.data.text));
    if (event.data.deleted) { item.classList.add("deleted"); }
    if (moderator && !event.data.deleted) {
      item.appendChild(button(text.textDelete, "delete_message", { messageId: event.data.message_id }));
      if (event.actor && event.actor.role === "participant") {
        item.appendChild(button(text.textMute, "mute", { userId: event.actor.id }));
      }
    }
    list.appendChild(item);
    list.scrollTop = list.scrollHeight;
  }

  function deleteChat(event) {
    var item = $("chat-list").querySelector('[data-message-id="' + event.data.message_id + '"]');
    if (!item) { return; }
    item.classList.add("deleted");
    item.querySelector(".live-text").textContent = text.textDeleted;
    item.querySelectorAll("button").forEach(function (node) { node.remove(); });
  }

  function setMuted(event, muted) {
    if (event.data.user_id === me) { $("muted-notice").hidden = !muted; }
  }

  function addHand(event) {
    var queue = $("hand-queue");
    if (queue.querySelector('[data-user-id="' + event.data.user_id + '"]')) { return; }
    var item = el("li");
    item.dataset.userId = event.data.user_id;
    item.appendChild(el("span", "live-author", event.data.name));
    if (moderator) { item.appendChild(button(text.textLower, "lower_hand", { userId: event.data.user_id })); }
    queue.appendChild(item);
  }

  function removeHand(event) {
    var item = $("hand-queue").querySelector('[data-user-id="' + event.data.user_id + '"]');
    if (item) { item.remove(); }
  }

  function addPoll(event) {
    var list = $("poll-list");
    var d = event.data;
    if (list.querySelector('[data-poll-id="' + d.poll_id + '"]')) { return; }
    dropEmpty(list);
    var box = el("div", "live-poll");
    box.dataset.pollId = d.poll_id;
    box.dataset.multiple = String(d.multiple);
    box.appendChild(el("h3", null, d.question));
    var options = el("ul", "live-poll-options");
    d.options.forEach(function (option, index) {
      var item = el("li");
      item.dataset.index = index;
      var label = el("label");
      var input = el("input");
      input.type = d.multiple ? "checkbox" : "radio";
      input.name = "poll-" + d.poll_id;
      input.value = index;
      label.appendChild(input);
      label.appendChild(document.createTextNode(" " + option));
      item.appendChild(label);
      var bar = el("progress");
      bar.max = 1;
      bar.value = 0;
      item.appendChild(bar);
      item.appendChild(el("span", "small live-count", 0));
      options.appendChild(item);
    });
    box.appendChild(options);
    var voters = el("p", "small muted");
    voters.appendChild(el("span", "live-voters", 0));
    voters.appendChild(document.createTextNode(" " + text.textVoters));
    box.appendChild(voters);
    var actions = el("div");
    actions.appendChild(button(text.textVote, "poll_vote", { pollId: d.poll_id }));
    if (moderator) { actions.appendChild(button(text.textClosePoll, "poll_close", { pollId: d.poll_id })); }
    box.appendChild(actions);
    list.appendChild(box);
  }

  function pollResults(event, closed) {
    var box = $("poll-list").querySelector('[data-poll-id="' + event.data.poll_id + '"]');
    if (!box) { return; }
    var counts = event.data.counts;
    box.querySelectorAll(".live-poll-options li").forEach(function (item) {
      var count = counts[Number(item.dataset.index)] || 0;
      var bar = item.querySelector("progress");
      bar.max = event.data.voters || 1;
      bar.value = count;
      item.querySelector(".live-count").textContent = count;
    });
    box.querySelector(".live-voters").textContent = event.data.voters;
    if (closed) {
      box.classList.add("closed");
      box.querySelectorAll("button, input").forEach(function (node) { node.remove(); });
      box.querySelector("h3").appendChild(el("span", "badge", text.textClosed));
    }
  }

  function addQuestion(event) {
    var list = $("question-list");
    if (list.querySelector('[data-question-id="' + event.data.question_id + '"]')) { return; }
    var item = el("li");
    item.dataset.questionId = event.data.question_id;
    item.appendChild(el("span", "live-text", event.data.text));
    item.appendChild(document.createTextNode(" "));
    item.appendChild(el("span", "muted small", event.actor ? event.actor.name : ""));
    var votes = el("span", "badge");
    votes.appendChild(el("span", "live-votes", 0));
    votes.appendChild(document.createTextNode(" " + text.textVoters));
    item.appendChild(votes);
    if (!event.actor || event.actor.id !== me) {
      item.appendChild(button(text.textUpvote, "question_upvote", { questionId: event.data.question_id }));
    }
    if (moderator) {
      item.appendChild(button(text.textMarkAnswered, "question_answered", { questionId: event.data.question_id }));
    }
    list.appendChild(item);
  }

  function questionChanged(event, answered) {
    var item = $("question-list").querySelector('[data-question-id="' + event.data.question_id + '"]');
    if (!item) { return; }
    if (answered) {
      item.classList.add("answered");
      var mark = item.querySelector('[data-action="question_answered"]');
      if (mark) { mark.remove(); }
      item.appendChild(el("span", "badge badge-ok", text.textAnswered));
    } else {
      item.querySelector(".live-votes").textContent = event.data.votes;
    }
  }

  var handlers = {
    chat: addChat,
    chat_deleted: deleteChat,
    muted: function (e) { setMuted(e, true); },
    unmuted: function (e) { setMuted(e, false); },
    hand_raised: addHand,
    hand_lowered: removeHand,
    poll_opened: addPoll,
    poll_results: function (e) { pollResults(e, false); },
    poll_closed: function (e) { pollResults(e, true); },
    question_asked: addQuestion,
    question_upvoted: function (e) { questionChanged(e, false); },
    question_answered: function (e) { questionChanged(e, true); },
    session_started: function () { window.location.reload(); },
    session_ended: function () { window.location.reload(); }
  };

  function apply(event) {
    if (seen.has(event.id) || event.id <= Number(root.dataset.lastEventId)) { return; }
    seen.add(event.id);
    lastEventId = Math.max(lastEventId, event.id);
    var handler = handlers[event.kind];
    if (handler) { handler(event); }
  }

  function showPresence(presence) {
    var counts = $("presence-counts");
    var list = $("presence-list");
    if (!counts || !list) { return; }
    counts.textContent = text.textCounts.replace(/\{(\w+)\}/g, function (_match, key) {
      return String(presence.counts[key] || 0);
    });
    list.replaceChildren();
    presence.people.forEach(function (person) {
      var item = el("li", "live-person live-role-" + person.role, person.name);
      var role = text["textRole" + person.role.charAt(0).toUpperCase() + person.role.slice(1)] || person.role;
      item.appendChild(el("span", "muted small", " " + role + (person.country_name ? " · " + person.country_name : "")));
      list.appendChild(item);
    });
  }

  /* Connection ----------------------------------------------------------------------------- */

  socket.on("connect", function () {
    status(text.textConnecting);
    // Automatic reconnections land here too: join again with the last id seen, get what was missed.
    socket.emit("join", { session_id: sessionId, last_event_id: lastEventId }, function (ack) {
      if (!ack || !ack.ok) { status(text.textRefused); showError(ack && ack.error); return; }
      ack.events.forEach(apply);
      showPresence(ack.presence);
      document.querySelectorAll(".live-js-only").forEach(function (node) { node.hidden = false; });
      document.querySelectorAll(".live-no-js").forEach(function (node) { node.hidden = true; });
      status(text.textConnected);
    });
  });
  socket.on("disconnect", function () { status(text.textReconnecting); });
  socket.on("connect_error", function () { status(text.textReconnecting); });
  socket.on("event", apply);
  socket.on("presence", showPresence);

  /* Controls ------------------------------------------------------------------------------- */

  root.addEventListener("click", function (click) {
    var target = click.target.closest("[data-action]");
    if (!target) { return; }
    var action = target.dataset.action;
    var d = target.dataset;
    if (action === "poll_vote") {
      var box = target.closest(".live-poll");
      var choices = Array.prototype.map.call(box.querySelectorAll("input:checked"),
        function (input) { return Number(input.value); });
      send("poll_vote", { poll_id: Number(d.pollId), choices: choices }, function () {
        box.querySelectorAll("input, [data-action='poll_vote']").forEach(function (node) { node.disabled = true; });
      });
    } else if (action === "lower_own_hand") {
      send("lower_hand", {});
    } else if (action === "question_upvote") {
      send(action, { question_id: Number(d.questionId) }, function () { target.remove(); });
    } else {
      var data = {};
      if (d.messageId) { data.message_id = Number(d.messageId); }
      if (d.userId) { data.user_id = Number(d.userId); }
      if (d.pollId) { data.poll_id = Number(d.pollId); }
      if (d.questionId) { data.question_id = Number(d.questionId); }
      send(action, data);
    }
  });

  function onSubmit(id, build) {
    var form = $(id);
    if (!form) { return; }
    form.addEventListener("submit", function (submit) {
      submit.preventDefault();
      var pair = build(form);
      send(pair[0], pair[1], function () { form.reset(); });
    });
  }

  onSubmit("chat-form", function (form) { return ["chat", { text: form.elements.text.value }]; });
  onSubmit("question-form", function (form) { return ["question_ask", { text: form.elements.text.value }]; });
  onSubmit("poll-form", function (form) {
    var options = form.elements.options.value.split("\n")
      .map(function (line) { return line.trim(); })
      .filter(function (line) { return line.length > 0; });
    return ["poll_open", { question: form.elements.question.value, options: options,
      multiple: form.elements.multiple.checked }];
  });
}());
