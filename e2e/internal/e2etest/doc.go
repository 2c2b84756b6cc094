//go:build e2e

// Package e2etest is the harness shared by Sesame's end-to-end test
// packages (e2e/browser, e2e/console, e2e/goapp, e2e/logto, e2e/scale).
// Like them, it is built only with the e2e build tag.
//
// It provides:
//
//   - processes: [Binary] and [SesameBinary] build a main package once per
//     test binary, [Start] runs a command in its own process group (stopped
//     with SIGTERM, then SIGKILL; its output is printed only when the test
//     fails), [Process.WaitHTTP] waits for an HTTP endpoint, [FreePort] and
//     [PortFree] pick ports;
//   - Sesame: [StartSesame] runs `sesame serve` on a free port with a fresh
//     data directory, and [CLI] runs `sesame` commands (apps, users and
//     resources create with --json);
//   - Chromium: [StartChrome] launches a headless Chromium with a fresh
//     profile; a [Tab] records every document request and response, waits
//     for JavaScript predicates, and reads and writes cookies;
//   - [RelyingParty], a small server-side OIDC web app written with go-oidc
//     and x/oauth2, and the [Tab] helpers that drive it through Sesame's
//     sign-in page.
//
// A package that uses [Binary] should call [Main] from its TestMain so that
// the binaries are removed afterwards.
package e2etest
