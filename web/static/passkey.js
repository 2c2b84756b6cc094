// Passkey ceremonies for the hosted pages (internal/experience/passkey.go).
// Without WebAuthn nothing here runs and the page's other paths remain.
(function () {
  "use strict";
  if (!window.PublicKeyCredential || !navigator.credentials) {
    return;
  }
  // The sign-in page: reveal the "Sign in with a passkey" link.
  var link = document.getElementById("passkey-link");
  if (link) {
    link.hidden = false;
  }
  var form = document.getElementById("passkey-form");
  var start = document.getElementById("passkey-start");
  if (!form || !start) {
    return;
  }
  var nojs = document.getElementById("passkey-nojs");
  var failed = document.getElementById("passkey-js-error");
  if (nojs) {
    nojs.hidden = true;
  }
  start.hidden = false;

  function decode(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) {
      s += "=";
    }
    var bin = atob(s);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) {
      out[i] = bin.charCodeAt(i);
    }
    return out.buffer;
  }
  function encode(buf) {
    var bytes = new Uint8Array(buf);
    var bin = "";
    for (var i = 0; i < bytes.length; i++) {
      bin += String.fromCharCode(bytes[i]);
    }
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  start.addEventListener("click", function () {
    start.disabled = true;
    if (failed) {
      failed.hidden = true;
    }
    var body = new URLSearchParams();
    body.set("csrf_token", form.elements.csrf_token.value);
    fetch(form.dataset.options, {method: "POST", body: body, credentials: "same-origin",
      headers: {"Accept": "application/json"}})
      .then(function (res) {
        if (!res.ok) {
          throw new Error("options: " + res.status);
        }
        return res.json();
      })
      .then(function (opts) {
        var pk = opts.publicKey;
        pk.challenge = decode(pk.challenge);
        (pk.allowCredentials || []).forEach(function (c) {
          c.id = decode(c.id);
        });
        return navigator.credentials.get({publicKey: pk});
      })
      .then(function (cred) {
        var r = cred.response;
        form.elements.response.value = JSON.stringify({
          id: cred.id,
          rawId: encode(cred.rawId),
          type: cred.type,
          response: {
            clientDataJSON: encode(r.clientDataJSON),
            authenticatorData: encode(r.authenticatorData),
            signature: encode(r.signature),
            userHandle: r.userHandle ? encode(r.userHandle) : null
          }
        });
        form.submit();
      })
      .catch(function () {
        start.disabled = false;
        if (failed) {
          failed.hidden = false;
        }
      });
  });
}());
