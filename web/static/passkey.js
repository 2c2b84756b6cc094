// Passkey ceremonies: signing in and the second factor on the hosted pages
// (internal/experience/passkey.go), adding a passkey on the account page
// (internal/account/passkeys.go). Each fetches the options, runs
// navigator.credentials, and posts the encoded response with the page's
// form. Without WebAuthn nothing here runs and the pages' other paths
// remain.
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
  function decodeIDs(list) {
    (list || []).forEach(function (c) {
      c.id = decode(c.id);
    });
  }

  // wire runs a ceremony when the button of id button is pressed: the
  // form of id formID names the options URL (data-options) and carries
  // the CSRF token and, when the server sends one, the ceremony's ticket;
  // run turns the options into a credential, response encodes it.
  function wire(formID, button, nojsID, errorID, run, response) {
    var form = document.getElementById(formID);
    var start = document.getElementById(button);
    if (!form || !start) {
      return;
    }
    var nojs = document.getElementById(nojsID);
    var failed = document.getElementById(errorID);
    if (nojs) {
      nojs.hidden = true;
    }
    start.hidden = false;
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
          if (opts.ticket && form.elements.ticket) {
            form.elements.ticket.value = opts.ticket;
          }
          return run(opts.publicKey);
        })
        .then(function (cred) {
          form.elements.response.value = JSON.stringify({id: cred.id, rawId: encode(cred.rawId),
            type: cred.type, response: response(cred.response)});
          form.submit();
        })
        .catch(function () {
          start.disabled = false;
          if (failed) {
            failed.hidden = false;
          }
        });
    });
  }

  // Sign in, or the second factor: an assertion.
  wire("passkey-form", "passkey-start", "passkey-nojs", "passkey-js-error", function (pk) {
    pk.challenge = decode(pk.challenge);
    decodeIDs(pk.allowCredentials);
    return navigator.credentials.get({publicKey: pk});
  }, function (r) {
    return {clientDataJSON: encode(r.clientDataJSON), authenticatorData: encode(r.authenticatorData),
      signature: encode(r.signature), userHandle: r.userHandle ? encode(r.userHandle) : null};
  });

  // The account page: a new passkey.
  wire("passkey-add-form", "passkey-add", "passkey-add-nojs", "passkey-add-error", function (pk) {
    pk.challenge = decode(pk.challenge);
    pk.user.id = decode(pk.user.id);
    decodeIDs(pk.excludeCredentials);
    return navigator.credentials.create({publicKey: pk});
  }, function (r) {
    return {clientDataJSON: encode(r.clientDataJSON), attestationObject: encode(r.attestationObject),
      transports: r.getTransports ? r.getTransports() : []};
  });
}());
