package signinexp

import "testing"

// TestForIdentifiers: the asked kinds the settings offer, else all the
// settings offer; the settings themselves are not changed.
func TestForIdentifiers(t *testing.T) {
	x := Defaults(true)
	for _, c := range []struct {
		kinds          []string
		username, mail bool
	}{
		{nil, true, true},
		{[]string{"email"}, false, true},
		{[]string{"username", "phone"}, true, false},
		{[]string{"phone"}, true, true},
		{[]string{"email", "username"}, true, true},
	} {
		n := x.ForIdentifiers(c.kinds)
		if n.Accepts(Username) != c.username || n.Accepts(Email) != c.mail {
			t.Errorf("ForIdentifiers(%q): username %v email %v", c.kinds, n.Accepts(Username), n.Accepts(Email))
		}
	}
	if !x.Accepts(Username) || !x.Accepts(Email) || len(x.SignIn.Methods) != 2 {
		t.Errorf("the receiver changed: %+v", x.SignIn.Methods)
	}
}
