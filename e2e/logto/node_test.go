//go:build e2e

package logto

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"testing"
	"time"

	"github.com/sesameauth/sesame/e2e/internal/e2etest"
)

// runNodeTest runs `node --test <file>` in examples/logto-node with env and
// requires exit status 0, at least one passing test, no failures and no skips.
func runNodeTest(t *testing.T, file string, env []string) {
	t.Helper()
	dir := examplesDir(t, "logto-node")
	npmCI(t, dir)

	cmd := exec.Command("node", "--test", "--test-reporter=tap", "--test-concurrency=1", file)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	start := time.Now()
	err := cmd.Run()
	output := out.String()
	t.Logf("node --test %s took %s", file, time.Since(start).Round(time.Millisecond))

	summary := func(name string) int {
		m := regexp.MustCompile(`(?m)^# ` + name + ` (\d+)$`).FindStringSubmatch(output)
		if m == nil {
			return -1
		}
		var n int
		fmt.Sscan(m[1], &n)
		return n
	}
	pass, fail, skipped := summary("pass"), summary("fail"), summary("skipped")
	if err != nil || fail != 0 || skipped != 0 || pass < 1 {
		t.Fatalf("node --test %s: exit %v, pass=%d fail=%d skipped=%d\n%s", file, err, pass, fail, skipped, output)
	}
	if testing.Verbose() {
		t.Logf("node --test %s output:\n%s", file, output)
	}
}

// TestLogtoNodeSDK drives @logto/node's LogtoClient (examples/logto-node/logto-node.test.mjs),
// once per signing algorithm Sesame offers (ES384 is Logto's default).
func TestLogtoNodeSDK(t *testing.T) {
	for _, alg := range []string{"ES384", "ES256", "RS256"} {
		t.Run(alg, func(t *testing.T) { testLogtoNodeSDK(t, "--signing-alg", alg) })
	}
}

func testLogtoNodeSDK(t *testing.T, serveArgs ...string) {
	s := startSesame(t, serveArgs...)
	const redirect, postLogout = "http://localhost:4000/callback", "http://localhost:4000/"
	a := s.createApp(t, "node-sdk", redirect, postLogout)
	userID := s.createUser(t, "alice", testPassword)
	s.createResource(t, apiResource, "api")

	runNodeTest(t, "logto-node.test.mjs", envList(
		"SESAME_ENDPOINT", s.URL,
		"SESAME_APP_ID", a.ID,
		"SESAME_APP_SECRET", a.Secret,
		"SESAME_REDIRECT_URI", redirect,
		"SESAME_POST_LOGOUT_REDIRECT_URI", postLogout,
		"SESAME_USERNAME", "alice",
		"SESAME_PASSWORD", testPassword,
		"SESAME_USER_ID", userID,
		"SESAME_RESOURCE", apiResource,
	))
}

// TestLogtoExpress drives an express app with @logto/express
// (examples/logto-node/logto-express.test.mjs).
func TestLogtoExpress(t *testing.T) {
	s := startSesame(t)
	port := e2etest.FreePort(t)
	base := fmt.Sprintf("http://localhost:%d", port)
	a := s.createApp(t, "express", base+"/logto/sign-in-callback", base+"/")
	userID := s.createUser(t, "alice", testPassword)

	runNodeTest(t, "logto-express.test.mjs", envList(
		"SESAME_ENDPOINT", s.URL,
		"SESAME_EXPRESS_APP_ID", a.ID,
		"SESAME_EXPRESS_APP_SECRET", a.Secret,
		"SESAME_EXPRESS_PORT", fmt.Sprint(port),
		"SESAME_USERNAME", "alice",
		"SESAME_PASSWORD", testPassword,
		"SESAME_USER_ID", userID,
	))
}
