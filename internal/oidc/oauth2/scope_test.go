package oauth2

import "testing"

func TestSplitScope(t *testing.T) {
	got := SplitScope("  openid  profile openid\temail ")
	if JoinScope(got) != "openid profile email" {
		t.Fatalf("SplitScope = %q", got)
	}
}
