//go:build e2e

package e2etest

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/sesameauth/sesame/internal/testkit"
)

// ChromiumPath is the Chromium executable: SESAME_E2E_CHROMIUM, or
// /usr/bin/chromium.
func ChromiumPath() string {
	if p := os.Getenv("SESAME_E2E_CHROMIUM"); p != "" {
		return p
	}
	return "/usr/bin/chromium"
}

// Chrome is one headless Chromium process with a fresh profile.
type Chrome struct {
	ctx context.Context    // browser-level chromedp context; see FirstTab
	Log *testkit.LogBuffer // chromedp errors and the pages' console messages
}

// StartChrome launches Chromium (headless, no sandbox, no GPU, no QUIC, no
// first-run, background networking, component updates or sync; a fresh
// user-data-dir). A cleanup ends it and, if the test failed, prints Log.
func StartChrome(t testing.TB) *Chrome {
	t.Helper()
	path := ChromiumPath()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("Chromium not found at %s (apt-get install -y chromium, or set SESAME_E2E_CHROMIUM): %v", path, err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	logs := &testkit.LogBuffer{}
	ctx, cancel := chromedp.NewContext(allocCtx,
		chromedp.WithErrorf(func(format string, args ...any) { fmt.Fprintf(logs, "[chromedp] "+format+"\n", args...) }),
		chromedp.WithBrowserOption(chromedp.WithConsolef(func(format string, args ...any) {
			fmt.Fprintf(logs, "[console] "+format+"\n", args...)
		})),
	)
	t.Cleanup(func() {
		if t.Failed() && logs.String() != "" {
			t.Logf("---- chromedp log ----\n%s---- end of chromedp log ----", logs.String())
		}
		cancel()
		cancelAlloc() // waits for Chromium to exit
	})
	// The first Run starts the browser; it must not carry a timeout.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return &Chrome{ctx: ctx, Log: logs}
}

// FirstTab is the browser's first tab, in the default browser context.
// Call it at most once.
func (c *Chrome) FirstTab(t testing.TB) *Tab {
	t.Helper()
	return newTab(t, c.ctx)
}

// NewTab opens a tab in its own browser context (its own cookie jar), so
// the tabs of one Chromium are as isolated from each other as separate
// profiles. The tab is closed when the test ends.
func (c *Chrome) NewTab(t testing.TB) *Tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(c.ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil { // open the target
		t.Fatalf("open tab: %v", err)
	}
	return newTab(t, ctx)
}
