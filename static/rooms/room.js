/* The video room page: preview, join through Janus's VideoRoom, tiles, mute,
 * camera off, a connection-quality hint, leave (and, for the interpreter, end).
 *
 * The page gets its join credential (room, PIN, ACL token, feed id, TURN
 * servers) by a same-origin POST, never from the URL. janus.js and adapter.js
 * are served from this site (Debian's libjs-janus-gateway, libjs-webrtc-adapter).
 */
(function () {
  "use strict";

  const root = document.getElementById("room");
  if (!root || typeof Janus === "undefined") return;
  const T = JSON.parse(document.getElementById("room-strings").textContent);
  const party = root.dataset.party;
  const listenOnly = party === "duty";
  const csrf = root.querySelector("input[name=csrfmiddlewaretoken]").value;
  const $ = (id) => document.getElementById(id);

  let previewStream = null;
  let janus = null;
  let publisher = null;
  let credential = null;
  let privateId = null;
  let leaving = false;
  const remotes = {}; // feed id -> {handle, tile, stream}
  const attendees = {}; // feed id -> display (joined without publishing: the duty manager)

  function parseDisplay(display) {
    try {
      const data = JSON.parse(display);
      return { name: String(data.n || ""), party: String(data.p || "") };
    } catch (e) {
      return { name: String(display || ""), party: "" };
    }
  }

  function partyLabel(p) {
    return T["party_" + p] || "";
  }

  // --- Preview and devices ------------------------------------------------

  async function startPreview() {
    if (listenOnly) return;
    const camera = $("camera").value;
    const mic = $("microphone").value;
    if (previewStream) previewStream.getTracks().forEach((t) => t.stop());
    try {
      // A call's picture, not a film: 640×360 at 15 frames keeps phones and
      // the server's two cores (and a slow line) comfortable.
      const picture = { width: { ideal: 640 }, height: { ideal: 360 }, frameRate: { max: 15 } };
      previewStream = await navigator.mediaDevices.getUserMedia({
        audio: mic ? { deviceId: { exact: mic } } : true,
        video: camera ? { deviceId: { exact: camera }, ...picture } : picture,
      });
    } catch (e) {
      try {
        previewStream = await navigator.mediaDevices.getUserMedia({ audio: true, video: false });
      } catch (e2) {
        previewStream = null;
      }
      showLobbyError(T.no_devices);
    }
    if (previewStream) {
      $("preview").srcObject = previewStream;
      $("preview").dataset.ready = "true";
      meter(previewStream);
    }
    await listDevices();
  }

  async function listDevices() {
    const devices = await navigator.mediaDevices.enumerateDevices();
    fill($("camera"), devices.filter((d) => d.kind === "videoinput"), T.camera_n, "video");
    fill($("microphone"), devices.filter((d) => d.kind === "audioinput"), T.microphone_n, "audio");
  }

  function fill(select, devices, label, kind) {
    const current = previewStream && previewStream.getTracks().find((t) => t.kind === kind);
    const currentId = current ? current.getSettings().deviceId : select.value;
    select.replaceChildren();
    devices.forEach((device, n) => {
      const option = document.createElement("option");
      option.value = device.deviceId;
      option.textContent = device.label || label.replace("%(n)s", n + 1);
      option.selected = device.deviceId === currentId;
      select.append(option);
    });
  }

  let meterContext = null;
  function meter(stream) {
    if (!stream.getAudioTracks().length || !window.AudioContext) return;
    if (meterContext) meterContext.close();
    meterContext = new AudioContext();
    const analyser = meterContext.createAnalyser();
    meterContext.createMediaStreamSource(stream).connect(analyser);
    const data = new Uint8Array(analyser.fftSize);
    const tick = () => {
      if (!meterContext || meterContext.state === "closed") return;
      analyser.getByteTimeDomainData(data);
      let peak = 0;
      for (const v of data) peak = Math.max(peak, Math.abs(v - 128) / 128);
      $("level").value = peak;
      requestAnimationFrame(tick);
    };
    tick();
  }

  function showLobbyError(text) {
    const box = $("lobby-error");
    box.textContent = text;
    box.hidden = !text;
  }

  // --- Tiles ----------------------------------------------------------------

  function tile(id, display, mine) {
    let item = document.querySelector(`[data-feed="${id}"]`);
    if (item) return item;
    const who = parseDisplay(display);
    item = document.createElement("li");
    item.className = "tile";
    item.dataset.feed = id;
    item.dataset.party = who.party;
    item.dataset.testid = "tile";
    item.setAttribute("data-testid", "tile");
    const video = document.createElement("video");
    video.autoplay = true;
    video.playsInline = true;
    video.muted = !!mine; // never hear yourself
    // Marks a tile whose picture arrived (the tests and the styles read it).
    video.addEventListener("loadeddata", () => item.classList.add("playing"));
    const caption = document.createElement("p");
    caption.className = "tile-name";
    const name = document.createElement("strong");
    name.textContent = who.name + (mine ? ` (${T.you})` : "");
    const role = document.createElement("span");
    role.className = "tile-role";
    role.textContent = partyLabel(who.party);
    const state = document.createElement("span");
    state.className = "tile-state";
    caption.append(name, " ", role, " ", state);
    item.append(video, caption);
    if (who.party === "duty") item.classList.add("listening");
    $("tiles").append(item);
    return item;
  }

  function dropTile(id) {
    const item = document.querySelector(`[data-feed="${id}"]`);
    if (item) item.remove();
  }

  // --- Joining --------------------------------------------------------------

  async function join() {
    $("join").disabled = true;
    $("join").textContent = T.joining;
    showLobbyError("");
    let answer;
    try {
      answer = await fetch(root.dataset.joinUrl, {
        method: "POST",
        headers: { "X-CSRFToken": csrf },
        credentials: "same-origin",
      });
      credential = await answer.json();
    } catch (e) {
      credential = { message: T.server_down };
    }
    if (!answer || !answer.ok) {
      showLobbyError(credential.message || T.server_down);
      $("join").disabled = false;
      $("join").textContent = T.rejoin || $("join").dataset.label;
      return;
    }
    Janus.init({
      debug: false,
      callback: () => {
        janus = new Janus({
          server: credential.server,
          iceServers: credential.ice_servers.length ? credential.ice_servers : undefined,
          success: attachPublisher,
          error: () => {
            if (!leaving) connectionLost();
          },
        });
      },
    });
  }

  function attachPublisher() {
    janus.attach({
      plugin: "janus.plugin.videoroom",
      success: (handle) => {
        publisher = handle;
        handle.send({
          message: {
            request: "join",
            ptype: "publisher",
            room: credential.room,
            pin: credential.pin,
            token: credential.token,
            id: credential.feed,
            display: JSON.stringify({ n: credential.display, p: credential.party }),
          },
        });
      },
      error: () => showLobbyError(T.server_down),
      iceState: (state) => {
        quality(state === "disconnected" || state === "failed" ? "lost" : "good");
        if (state === "failed") republishSoon();
      },
      webrtcState: (up) => {
        if (up) ownHangup = false;
        else if (!ownHangup) republishSoon();
      },
      slowLink: () => quality("weak"),
      onmessage: onPublisherMessage,
      onlocaltrack: (track, on) => {
        if (track.kind !== "video") return;
        const item = tile(credential.feed, JSON.stringify({ n: credential.display, p: party }), true);
        if (on) item.querySelector("video").srcObject = new MediaStream([track]);
      },
      onremotetrack: () => {},
    });
  }

  function onPublisherMessage(msg, jsep) {
    const event = msg.videoroom;
    if (event === "joined") {
      privateId = msg.private_id;
      $("lobby").hidden = true;
      $("call").hidden = false;
      tile(credential.feed, JSON.stringify({ n: credential.display, p: party }), true);
      if (!listenOnly) publish();
      (msg.publishers || []).forEach(subscribe);
      (msg.attendees || []).forEach(attendee);
      pollQuality();
    } else if (event === "event") {
      (msg.publishers || []).forEach(subscribe);
      if (msg.joining) attendee(msg.joining);
      const gone = msg.leaving || msg.unpublished;
      if (gone && gone !== "ok") {
        if (remotes[gone]) {
          remotes[gone].handle.detach();
          delete remotes[gone];
        }
        if (msg.leaving) {
          delete attendees[gone];
          dropTile(gone);
        }
      }
      if (msg.error_code) showLobbyError(msg.error || T.server_down);
    } else if (event === "destroyed") {
      finish(T.ended, false);
    }
    if (jsep) publisher.handleRemoteJsep({ jsep: jsep });
  }

  function publish() {
    const tracks = [];
    const audio = previewStream && previewStream.getAudioTracks()[0];
    const video = previewStream && previewStream.getVideoTracks()[0];
    tracks.push({ type: "audio", capture: audio || true, recv: false });
    if (video) tracks.push({ type: "video", capture: video, recv: false });
    publisher.createOffer({
      tracks: tracks,
      success: (jsep) => {
        publisher.send({ message: { request: "configure", audio: true, video: !!video }, jsep: jsep });
      },
      error: () => showLobbyError(T.no_devices),
    });
  }

  // A connection that failed (a weak line, a busy machine) is set up again:
  // the others see the picture come back, and the room's clock never noticed.
  let republishTimer = null;
  let ownHangup = false; // our own hang-up before publishing again is not a failure
  function republishSoon() {
    if (leaving || listenOnly || republishTimer || !publisher) return;
    republishTimer = setTimeout(() => {
      republishTimer = null;
      if (leaving || !publisher) return;
      ownHangup = true;
      publisher.hangup(false);
      publish();
    }, 2000);
  }

  function attendee(info) {
    attendees[info.id] = info.display;
    tile(info.id, info.display, false);
  }

  function subscribe(feed) {
    if (feed.dummy || remotes[feed.id] || feed.id === credential.feed) return;
    const item = tile(feed.id, feed.display, false);
    const stream = new MediaStream();
    const remote = { handle: null, tile: item, stream: stream };
    remotes[feed.id] = remote;
    janus.attach({
      plugin: "janus.plugin.videoroom",
      success: (handle) => {
        remote.handle = handle;
        handle.send({
          message: {
            request: "join",
            ptype: "subscriber",
            room: credential.room,
            pin: credential.pin,
            token: credential.token,
            private_id: privateId,
            streams: [{ feed: feed.id }],
          },
        });
      },
      onmessage: (msg, jsep) => {
        if (!jsep) return;
        remote.handle.createAnswer({
          jsep: jsep,
          tracks: [{ type: "data" }],
          success: (answer) => {
            remote.handle.send({ message: { request: "start", room: credential.room }, jsep: answer });
          },
        });
      },
      slowLink: () => quality("weak"),
      onremotetrack: (track, mid, on) => {
        if (on) {
          stream.getTracks().filter((t) => t.kind === track.kind).forEach((t) => stream.removeTrack(t));
          stream.addTrack(track);
        } else {
          stream.getTracks().filter((t) => t.id === track.id).forEach((t) => stream.removeTrack(t));
        }
        const video = item.querySelector("video");
        if (video.srcObject !== stream) video.srcObject = stream;
        item.classList.toggle("no-video", !stream.getVideoTracks().length);
      },
      oncleanup: () => {
        stream.getTracks().forEach((t) => stream.removeTrack(t));
      },
    });
  }

  // --- Connection quality ---------------------------------------------------

  let weakUntil = 0;
  function quality(level) {
    if (level === "weak") weakUntil = Date.now() + 10000;
    if (level === "good" && Date.now() < weakUntil) level = "weak";
    const box = $("quality");
    box.dataset.level = level;
    box.textContent = T["quality_" + level];
  }

  function pollQuality() {
    const timer = setInterval(async () => {
      const pc = publisher && publisher.webrtcStuff && publisher.webrtcStuff.pc;
      if (!pc || leaving) {
        if (leaving) clearInterval(timer);
        return;
      }
      const stats = await pc.getStats();
      let lost = 0;
      let rtt = 0;
      stats.forEach((report) => {
        if (report.type === "remote-inbound-rtp") {
          lost = Math.max(lost, report.fractionLost || 0);
          rtt = Math.max(rtt, report.roundTripTime || 0);
        }
      });
      if (pc.iceConnectionState === "disconnected" || pc.iceConnectionState === "failed") {
        quality("lost");
      } else {
        quality(lost > 0.05 || rtt > 0.5 ? "weak" : "good");
      }
    }, 3000);
  }

  function connectionLost() {
    quality("lost");
  }

  // --- Controls -------------------------------------------------------------

  function toggleMute() {
    const muted = publisher.isAudioMuted();
    if (muted) publisher.unmuteAudio();
    else publisher.muteAudio();
    $("mute").setAttribute("aria-pressed", String(!muted));
    $("mute").textContent = muted ? T.mute : T.unmute;
    const mine = document.querySelector(`[data-feed="${credential.feed}"] .tile-state`);
    if (mine) mine.textContent = muted ? "" : T.muted;
  }

  function toggleCamera() {
    const off = publisher.isVideoMuted();
    if (off) publisher.unmuteVideo();
    else publisher.muteVideo();
    $("camera-off").setAttribute("aria-pressed", String(!off));
    $("camera-off").textContent = off ? T.camera_off : T.camera_on;
  }

  function finish(text, canRejoin) {
    leaving = true;
    if (janus) janus.destroy({ unload: false });
    janus = null;
    publisher = null;
    Object.keys(remotes).forEach((k) => delete remotes[k]);
    $("tiles").replaceChildren();
    $("call").hidden = true;
    $("after").hidden = false;
    $("after-text").textContent = text;
    $("rejoin").hidden = !canRejoin;
  }

  async function endForAll() {
    if (!window.confirm(T.end_confirm)) return;
    await fetch(root.dataset.endUrl, {
      method: "POST",
      headers: { "X-CSRFToken": csrf },
      credentials: "same-origin",
    });
    finish(T.ended, false);
  }

  $("join").dataset.label = $("join").textContent;
  $("join").addEventListener("click", join);
  $("leave").addEventListener("click", () => finish(T.left, true));
  $("rejoin").addEventListener("click", () => window.location.reload());
  if ($("mute")) $("mute").addEventListener("click", toggleMute);
  if ($("camera-off")) $("camera-off").addEventListener("click", toggleCamera);
  if ($("end-all")) $("end-all").addEventListener("click", endForAll);
  if (!listenOnly) {
    $("camera").addEventListener("change", startPreview);
    $("microphone").addEventListener("change", startPreview);
    startPreview();
  }
})();
