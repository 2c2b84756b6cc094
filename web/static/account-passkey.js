// Adding a passkey on the account page (internal/account/passkeys.go):
// fetch the options, run navigator.credentials.create, post the response.
// Without WebAuthn nothing here runs and the button stays hidden.
(function () {
  "use strict";
  var form = document.getElementById("passkey-add-form");
  var start = document.getElementById("passkey-add");
  if (!form || !start || !window.PublicKeyCredential || !navigator.credentials) {
    return;
  }
  var nojs = document.getElementById("passkey-add-nojs");
  var failed = document.getElementById("passkey-add-error");
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
        form.elements.ticket.value = opts.ticket;
        var pk = opts.publicKey;
        pk.challenge = decode(pk.challenge);
        pk.user.id = decode(pk.user.id);
        (pk.excludeCredentials || []).forEach(function (c) {
          c.id = decode(c.id);
        });
        return navigator.credentials.create({publicKey: pk});
      })
      .then(function (cred) {
        var r = cred.response;
        form.elements.response.value = JSON.stringify({
          id: cred.id,
          rawId: encode(cred.rawId),
          type: cred.type,
          response: {
            clientDataJSON: encode(r.clientDataJSON),
            attestationObject: encode(r.attestationObject),
            transports: r.getTransports ? r.getTransports() : []
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
